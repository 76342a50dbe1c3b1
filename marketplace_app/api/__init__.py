"""The JSON front door (FastAPI): parse, call one service in a unit of work, render."""
