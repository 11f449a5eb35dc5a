"""Outgoing email over SMTP, sent through the job table with retries (DESIGN 5)."""
