"""What goes into the outbox and how it reads when it leaves: follow-ups, reminders, broadcasts (domain rules).

bot/scheduling only decides when these run (APScheduler ticks) and empties the outbox (the dispatcher).
"""
