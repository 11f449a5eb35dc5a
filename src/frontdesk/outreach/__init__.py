"""Switching channel in a conversation (issue 7): reply by email over SMTP, or log a call.

Both are messages of the thread: an email is an outgoing MESSAGE on HubSpot's email channel
(`EMAIL_CHANNEL_ID`) sent through the job table, never to the custom channel's bridge; a call
is a CALL message (Frontdesk's extension of HubSpot's message types).
"""
