"""The public waitlist."""
