"""The outreach tests' app sends email to a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import pytest

from frontdesk.config import Settings
from tests.email.smtp_server import SmtpServer
from tests.email.test_sending import smtp_settings
from tests.web.conftest import web_user

__all__ = ["web_user"]


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return smtp_settings(settings, smtp_server)
