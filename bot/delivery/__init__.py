"""Getting messages to Slack: the outbox sender, the Slack client, quiet hours, pair posts."""
