"""First start: the data directory, the secret key, the schema and a first admin."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from frontdesk.accounts import service as account_service
from frontdesk.accounts.passwords import hash_password
from frontdesk.apps import service as app_service
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.migrations import migrate, refresh_statistics

FIRST_ADMIN_EMAIL = "admin@example.com"


def prepare(settings: Settings) -> Settings:
    """Create the data directory, keep a secret key there if none is set, migrate."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    if not settings.secret_key:
        settings = settings.model_copy(update={"secret_key": _stored_secret_key(settings)})
    migrate(settings.resolved_database_url())
    refresh_statistics(settings.resolved_database_url())
    return settings


def _stored_secret_key(settings: Settings) -> str:
    path = settings.data_dir / "secret_key"
    if not path.exists():
        # Created with owner-only permissions; several processes on one data dir share it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    password: str
    access_token: str


async def create_first_admin_if_empty(db: Database) -> FirstAdmin | None:
    """On an empty workspace, an admin with a random password and a personal API token."""
    async with db.read() as uow:
        if await account_service.count_users(uow) > 0:
            return None
    password = secrets.token_urlsafe(12)
    password_hash = await hash_password(password)
    async with db.transaction() as uow:
        if await account_service.count_users(uow) > 0:
            return None  # another process won the race
        user_id = await account_service.create_user(
            uow, email=FIRST_ADMIN_EMAIL, password_hash=password_hash, name="Admin", role="admin"
        )
        token = await app_service.create_token(
            uow, kind="personal", user_id=user_id, scopes=list(app_service.PERSONAL_SCOPES)
        )
    return FirstAdmin(FIRST_ADMIN_EMAIL, password, token)
