"""The web tests' signed-in users, for the sidebar's contact owner fragment."""

from tests.web.conftest import web_user

__all__ = ["web_user"]
