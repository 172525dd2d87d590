"""The outbox at work: planning follow-ups and reminders into it, and the dispatcher that empties it."""
