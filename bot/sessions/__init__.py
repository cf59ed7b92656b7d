"""Sessions: scheduling, check-ins, reminders and the follow-ups of seniors' actions."""
