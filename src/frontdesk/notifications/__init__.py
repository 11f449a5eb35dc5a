"""In-app and browser notifications and each user's settings for them (issue 4)."""
