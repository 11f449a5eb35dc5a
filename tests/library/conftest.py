"""The web tests' signed-in users, for the library's pages."""

from tests.web.conftest import web_user

__all__ = ["web_user"]
