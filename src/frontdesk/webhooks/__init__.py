"""App webhook subscriptions (HubSpot's Webhooks API, reference 1.5 and 8)."""
