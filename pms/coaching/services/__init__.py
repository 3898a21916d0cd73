"""Every write of the coaching app: check-ins, obstacles and their follow-ups, coaching
plans, cadences and the periodic scheduling and reminders."""
