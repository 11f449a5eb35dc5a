"""The web tests' signed-in users, for the API tests that act through a browser session."""

from tests.web.conftest import web_user

__all__ = ["web_user"]
