"""Apps and access tokens: create, resolve a presented credential, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.apps.models import AccessToken, App
from frontdesk.core.cache import TtlCache
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.core.security import (
    new_standard_webhooks_secret,
    new_token,
    token_digest,
)

APP_SCOPES = (
    "conversations.custom_channels.read",
    "conversations.custom_channels.write",
    "conversations.read",
    "conversations.write",
    "files",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
)
DEFAULT_APP_SCOPES = APP_SCOPES
# Who a bearer token speaks for (api.deps builds it), by token digest: every request reads
# it. Cleared after any commit here that changes tokens, users or teams; other processes see
# such a change within the TTL (README, "Caches").
CREDENTIALS_TTL_S = 2.0
credential_cache: TtlCache[Any] = TtlCache(ttl_s=CREDENTIALS_TTL_S)


def forget_credentials(uow: UnitOfWork) -> None:
    """Drop cached credentials once this transaction commits (a token, user or team changed)."""
    uow.after_commit(credential_cache.clear)


PERSONAL_SCOPES = APP_SCOPES


@dataclass(frozen=True)
class CreatedApp:
    app_id: int
    developer_api_key: str
    client_secret: str
    access_token: str


@dataclass(frozen=True)
class TokenOwner:
    """Who a bearer token speaks for."""

    token_id: int
    kind: str  # app | personal
    app_id: int | None
    user_id: int | None
    scopes: frozenset[str]


def check_scopes(scopes: list[str], *, allowed: tuple[str, ...] = APP_SCOPES) -> list[str]:
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise validation_error(f"Unknown scopes: {', '.join(unknown)}", field_name="scopes")
    return sorted(set(scopes))


async def create_app(
    uow: UnitOfWork,
    *,
    name: str,
    description: str = "",
    logo_url: str | None = None,
    scopes: list[str] | None = None,
) -> CreatedApp:
    """Register an app with its developer key, secrets and a first installation token."""
    if not name.strip():
        raise validation_error("name must not be empty", field_name="name")
    developer_key = new_token("fdk_")
    client_secret = new_token()
    now = now_ms()
    app_id = await uow.scalar(
        insert(App)
        .values(
            name=name.strip(),
            description=description,
            logo_url=logo_url,
            developer_key_digest=token_digest(developer_key),
            client_secret=client_secret,
            webhook_secret=new_standard_webhooks_secret(),
            previous_secrets=[],
            created_at=now,
            updated_at=now,
        )
        .returning(App.id)
    )
    token = await create_token(
        uow, kind="app", app_id=app_id, scopes=list(scopes or DEFAULT_APP_SCOPES)
    )
    return CreatedApp(app_id, developer_key, client_secret, token)


async def create_token(
    uow: UnitOfWork,
    *,
    kind: str,
    scopes: list[str],
    app_id: int | None = None,
    user_id: int | None = None,
    name: str = "",
) -> str:
    """Create an access token; only its digest is stored, the token is returned once."""
    token = new_token("fdp_" if kind == "personal" else "fda_")
    forget_credentials(uow)
    now = now_ms()
    await uow.execute(
        insert(AccessToken).values(
            digest=token_digest(token),
            kind=kind,
            app_id=app_id,
            user_id=user_id,
            scopes=check_scopes(scopes),
            name=name,
            created_at=now,
            updated_at=now,
        )
    )
    return token


async def resolve_token(uow: UnitOfWork, *, token: str) -> TokenOwner | None:
    """The owner of a presented bearer token, or None if it is unknown or revoked."""
    row = (
        await uow.execute(
            select(
                AccessToken.id,
                AccessToken.kind,
                AccessToken.app_id,
                AccessToken.user_id,
                AccessToken.scopes,
            ).where(AccessToken.digest == token_digest(token), AccessToken.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return TokenOwner(row.id, row.kind, row.app_id, row.user_id, frozenset(row.scopes))


async def resolve_developer_key(uow: UnitOfWork, *, app_id: int, key: str) -> bool:
    """Whether `key` is the developer API key of app `app_id`."""
    found = await uow.scalar(
        select(App.id).where(App.id == app_id, App.developer_key_digest == token_digest(key))
    )
    return found is not None


async def get_app(uow: UnitOfWork, *, app_id: int) -> Any:
    row = (await uow.execute(select(App).where(App.id == app_id))).first()
    if row is None:
        raise NotFound("App", app_id)
    return row


async def revoke_token(uow: UnitOfWork, *, token_id: int) -> None:
    forget_credentials(uow)
    await uow.execute(
        update(AccessToken).where(AccessToken.id == token_id).values(revoked_at=now_ms())
    )


@dataclass(frozen=True)
class SigningSecrets:
    """The secrets outgoing webhooks of an app are signed with right now."""

    client_secret: str
    webhook_secrets: tuple[str, ...]  # current first, then those still in their grace period


async def signing_secrets(uow: UnitOfWork, *, app_id: int, now: int) -> SigningSecrets:
    row = (
        await uow.execute(
            select(App.client_secret, App.webhook_secret, App.previous_secrets).where(
                App.id == app_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("App", app_id)
    previous = tuple(p["webhookSecret"] for p in row.previous_secrets if int(p["expiresAt"]) > now)
    return SigningSecrets(row.client_secret, (row.webhook_secret, *previous))


async def rotate_secrets(uow: UnitOfWork, *, app_id: int, grace_s: int) -> tuple[str, str]:
    """New client and webhook secrets, current at once; the old webhook secret keeps signing
    (beside the new one) for `grace_s` seconds. Returns the new (client, webhook) secrets."""
    if grace_s < 0 or grace_s > 30 * 24 * 3600:
        raise validation_error(
            "gracePeriodSeconds must be 0 to 2592000", field_name="gracePeriodSeconds"
        )
    app = await get_app(uow, app_id=app_id)
    now = now_ms()
    kept = [p for p in app.previous_secrets if int(p["expiresAt"]) > now]
    if grace_s:
        kept.append(
            {
                "clientSecret": app.client_secret,
                "webhookSecret": app.webhook_secret,
                "expiresAt": now + grace_s * 1000,
            }
        )
    client_secret, webhook_secret = new_token(), new_standard_webhooks_secret()
    await uow.execute(
        update(App)
        .where(App.id == app_id)
        .values(
            client_secret=client_secret,
            webhook_secret=webhook_secret,
            previous_secrets=kept,
            updated_at=now,
        )
    )
    return client_secret, webhook_secret


# --- the admin's Apps page ------------------------------------------------------------------


async def list_apps(uow: UnitOfWork) -> list[Any]:
    """Every app, oldest first (the secrets are on the rows: show them only when asked)."""
    return list((await uow.execute(select(App).order_by(App.id))).all())


async def list_app_tokens(uow: UnitOfWork, *, app_id: int) -> list[Any]:
    """An app's installation tokens, newest first, revoked ones included (digests only)."""
    statement = (
        select(
            AccessToken.id,
            AccessToken.name,
            AccessToken.scopes,
            AccessToken.created_at,
            AccessToken.revoked_at,
        )
        .where(AccessToken.app_id == app_id, AccessToken.kind == "app")
        .order_by(AccessToken.id.desc())
    )
    return list((await uow.execute(statement)).all())


async def revoke_app_token(uow: UnitOfWork, *, app_id: int, token_id: int) -> None:
    """Revoke one of the app's installation tokens; 404 for any other token."""
    found = await uow.scalar(
        select(AccessToken.revoked_at.is_(None)).where(
            AccessToken.id == token_id, AccessToken.app_id == app_id, AccessToken.kind == "app"
        )
    )
    if found is None:
        raise NotFound("Token", token_id)
    if found:
        await revoke_token(uow, token_id=token_id)
