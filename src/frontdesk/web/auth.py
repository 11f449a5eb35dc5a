"""Who is looking at a page: the session cookie, or a trip to the sign-in page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from frontdesk.accounts.sessions import CSRF_FIELD, SESSION_COOKIE
from frontdesk.api.deps import DbDep, Principal, authenticate_session, check_csrf
from frontdesk.core.errors import AppError

FRAGMENT_HEADER = "X-Frontdesk-Fragment"  # set by our scripts when they fetch a piece of page


class LoginRequired(AppError):
    """No live session. Pages answer with a redirect to sign in; fragments with 401."""

    def __init__(self, next_path: str) -> None:
        # The scheme names the session cookie; RFC 9110 wants the header on every 401.
        super().__init__(
            "Sign in to continue",
            "INVALID_AUTHENTICATION",
            401,
            headers={"WWW-Authenticate": 'Cookie realm="frontdesk", form-action="/login"'},
        )
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


async def require_web_user(request: Request, db: DbDep) -> Principal:
    """The signed-in user of a page (the cookie only: pages never take bearer tokens)."""
    token = request.cookies.get(SESSION_COOKIE)
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(next_path)
    try:
        return await authenticate_session(db, token)
    except AppError as exc:
        raise LoginRequired(next_path) from exc


WebUserDep = Annotated[Principal, Depends(require_web_user)]


class AdminPageRequired(AppError):
    """A workspace settings page asked for by an agent: 403, as a page."""

    def __init__(self) -> None:
        super().__init__("Only admins may open workspace settings", "FORBIDDEN", 403)


async def require_web_admin(principal: WebUserDep) -> Principal:
    """The signed-in user of an admin-only page (workspace settings)."""
    if not principal.is_admin:
        raise AdminPageRequired()
    return principal


WebAdminDep = Annotated[Principal, Depends(require_web_admin)]


async def check_form_csrf(request: Request, principal: Principal) -> None:
    """A form post must carry the session's CSRF token in its hidden field."""
    form = await request.form()
    value = form.get(CSRF_FIELD)
    check_csrf(principal, value if isinstance(value, str) else None)


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a local path only (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/inbox"
    return path
