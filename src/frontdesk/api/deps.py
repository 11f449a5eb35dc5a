"""Shared request plumbing for every router: the database, credentials and scopes.

Credentials (DESIGN 8): `hapikey` + `appId` in the query for channel-level calls; a bearer
token (an app's installation token or a user's personal token) everywhere else; or, for a
person in the web UI, the session cookie, with the session's CSRF token in the `X-CSRF-Token`
header on every request that changes something.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from frontdesk.accounts import service as account_service
from frontdesk.accounts import sessions
from frontdesk.apps import service as app_service
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import Forbidden, MissingScopes, Unauthenticated
from frontdesk.core.models import INT64_MAX
from frontdesk.core.security import constant_time_equal, token_digest

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The `{threadId}` of every route that names a thread (ids past int64 answer 4xx, not 500).
ThreadId = Annotated[int, Path(alias="threadId", ge=1, le=INT64_MAX, description="The thread's id")]
MessageId = Annotated[
    int, Path(alias="messageId", ge=1, le=INT64_MAX, description="The message's id")
]


@dataclass(frozen=True)
class Principal:
    """Who is calling, what they may do, and which inboxes they see (None: all of them)."""

    kind: str  # app | user | developer
    app_id: int | None = None
    user_id: int | None = None
    role: str | None = None
    scopes: frozenset[str] = frozenset()
    inbox_ids: frozenset[int] | None = None
    csrf_token: str | None = None  # set for a web session: what its changes must present

    @property
    def actor_id(self) -> str:
        if self.user_id is not None:
            return f"A-{self.user_id}"
        return f"I-{self.app_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees_inbox(self, inbox_id: int) -> bool:
        return self.inbox_ids is None or inbox_id in self.inbox_ids


# Async on purpose: FastAPI runs plain `def` dependencies in its thread pool, and two thread
# hops per request cost the publish path ~15% of its CPU (measured).
async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate_bearer(db: Database, token: str | None) -> Principal:
    """The principal of a bearer token; 401 when absent, unknown or revoked."""
    if token is None:
        raise Unauthenticated()
    key = (db.url, token_digest(token))
    cached: Principal | None = app_service.credential_cache.get(key)
    if cached is not None:
        return cached
    principal = await _load_principal(db, token)
    app_service.credential_cache.put(key, principal)
    return principal


async def _load_principal(db: Database, token: str) -> Principal:
    async with db.read() as uow:
        owner = await app_service.resolve_token(uow, token=token)
        if owner is None:
            raise Unauthenticated("The access token is invalid or revoked")
        if owner.kind == "app":
            return Principal(kind="app", app_id=owner.app_id, scopes=owner.scopes)
        assert owner.user_id is not None
        user = await account_service.get_user(uow, user_id=owner.user_id)
        if not user.active:
            raise Unauthenticated("This user is deactivated")
        inbox_ids = (
            None
            if user.role == "admin"
            else await account_service.visible_inbox_ids(uow, user_id=user.id)
        )
    return Principal(
        kind="user", user_id=user.id, role=user.role, scopes=owner.scopes, inbox_ids=inbox_ids
    )


async def authenticate_session(db: Database, token: str) -> Principal:
    """The principal of a session cookie; 401 when unknown, expired or the user is inactive."""
    key = (db.url, "session", token_digest(token))
    cached: Principal | None = app_service.credential_cache.get(key)
    if cached is not None:
        return cached
    async with db.read() as uow:
        owner = await sessions.resolve_session(uow, token=token)
        if owner is None:
            raise Unauthenticated("Your session has ended: sign in again")
        user = await account_service.get_user(uow, user_id=owner.user_id)
        inbox_ids = (
            None
            if user.role == "admin"
            else await account_service.visible_inbox_ids(uow, user_id=user.id)
        )
    principal = Principal(
        kind="user",
        user_id=user.id,
        role=user.role,
        scopes=frozenset(app_service.PERSONAL_SCOPES),
        inbox_ids=inbox_ids,
        csrf_token=owner.csrf_token,
    )
    app_service.credential_cache.put(key, principal)
    return principal


def check_csrf(principal: Principal, presented: str | None) -> None:
    """A session's change must carry its CSRF token (a cookie alone proves nothing: the
    browser attaches it to requests other sites make)."""
    if principal.csrf_token is None:
        return
    if not presented or not constant_time_equal(presented, principal.csrf_token):
        raise Forbidden("The CSRF token is missing or wrong: reload the page", "CSRF_FAILED")


async def authenticate(request: Request, db: Database) -> Principal:
    """The caller: a bearer token if one is presented, else the web session cookie."""
    token = bearer_token(request)
    if token is not None:
        return await authenticate_bearer(db, token)
    session_token = request.cookies.get(sessions.SESSION_COOKIE)
    if not session_token:
        raise Unauthenticated()
    principal = await authenticate_session(db, session_token)
    if request.method not in SAFE_METHODS:
        check_csrf(principal, request.headers.get(sessions.CSRF_HEADER))
    return principal


def require_scopes(*any_of: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: a bearer principal holding at least one of `any_of`."""

    async def dependency(request: Request) -> Principal:
        # The database comes from the app, not from a sub-dependency: each dependency FastAPI
        # solves costs a request about 20 microseconds (measured on publish).
        principal = await authenticate(request, request.app.state.db)
        if any_of and not principal.scopes.intersection(any_of):
            raise MissingScopes(any_of)
        return principal

    return dependency


def require_app_scopes(*any_of: str) -> Callable[[Request], Awaitable[Principal]]:
    """Like `require_scopes`, but only an app's installation token qualifies (the custom
    channel surface speaks for a bridge, never for a person)."""
    inner = require_scopes(*any_of)

    async def dependency(request: Request) -> Principal:
        principal = await inner(request)
        if principal.kind != "app":
            raise Forbidden("This endpoint needs an app's access token", "MISSING_SCOPES")
        return principal

    return dependency


async def require_developer(
    db: DbDep,
    hapikey: Annotated[str | None, Query(description="The app's developer API key")] = None,
    appId: Annotated[int | None, Query(description="The app's id")] = None,
) -> Principal:
    """The app of a developer API key (`hapikey` + `appId` in the query)."""
    if not hapikey:
        raise Unauthenticated("The hapikey query parameter is required")
    if appId is None:
        raise Unauthenticated("The appId query parameter is required with hapikey")
    async with db.read() as uow:
        ok = await app_service.resolve_developer_key(uow, app_id=appId, key=hapikey)
    if not ok:
        raise Unauthenticated("The developer API key is invalid for this app")
    return Principal(kind="developer", app_id=appId)


DeveloperDep = Annotated[Principal, Depends(require_developer)]


async def require_user(request: Request) -> Principal:
    """A person (personal token or web session): the /frontdesk/v1 surface."""
    principal = await authenticate(request, request.app.state.db)
    if principal.kind != "user":
        raise Forbidden("This endpoint needs a user's credential, not an app's")
    return principal


async def require_admin(request: Request) -> Principal:
    principal = await require_user(request)
    if not principal.is_admin:
        raise Forbidden("Only admins may do this")
    return principal


UserDep = Annotated[Principal, Depends(require_user)]
AdminDep = Annotated[Principal, Depends(require_admin)]
