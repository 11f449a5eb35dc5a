"""Help-desk tickets: threads of HELP_DESK inboxes with a ticket status (DESIGN 3)."""
