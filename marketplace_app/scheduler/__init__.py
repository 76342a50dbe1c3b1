"""Timers: APScheduler ticks that query the database for due rows, one leader per deployment."""
