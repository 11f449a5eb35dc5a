from tests.web.conftest import web_user

__all__ = ["web_user"]
