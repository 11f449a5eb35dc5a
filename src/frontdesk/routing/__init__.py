"""Routing (DESIGN 7): presence, and the assignment of new conversations to agents."""
