"""Outgoing webhooks to channels and app subscriptions: signing, attempts, retries."""
