"""The programme-health digest: figures, disclosure rule, chart, schedule, posting, export."""
