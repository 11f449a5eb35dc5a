"""Sign in and sign out (issue 4): sessions in HttpOnly cookies, CSRF on both forms, failed
sign-ins throttled per e-mail address and per client address."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.accounts import service as account_service
from frontdesk.accounts import sessions
from frontdesk.accounts.passwords import hash_password, verify_password
from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.api.deps import DbDep, SettingsDep
from frontdesk.apps.service import forget_credentials
from frontdesk.config import Settings
from frontdesk.core.errors import AppError
from frontdesk.core.security import constant_time_equal
from frontdesk.web.auth import WebUserDep, check_form_csrf, safe_next
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

# Before a session exists, the sign-in form's CSRF token is a cookie the form must repeat
# (double submit): another site can make the browser post, but cannot read or set the cookie.
LOGIN_CSRF_COOKIE = "frontdesk_login_csrf"
_dummy_hash: str | None = None  # verified when the e-mail is unknown, so timing tells nothing


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _secure(settings: Settings) -> bool:
    return settings.resolved_public_url().startswith("https://")


def _login_page(
    request: Request, *, next_path: str, email: str = "", error: str = "", status_code: int = 200
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"csrf_token": token, "next": next_path, "email": email, "error": error},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request.app.state.settings),
        path="/login",
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> Response:
    next_path = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not constant_time_equal(cookie, csrf_token):
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="The form expired. Please sign in again.",
            status_code=403,
        )
    address = email.strip().lower()
    keys = (f"email:{address}", f"ip:{request.client.host if request.client else '-'}")
    throttle = _throttle(request)
    wait = throttle.retry_after(*keys)
    if wait:
        response = _login_page(
            request,
            next_path=next_path,
            email=email,
            error=f"Too many failed sign-ins. Try again in {max(1, wait // 60)} min.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = await _check_password(db, address, password)
    if user is None:
        throttle.failed(*keys)
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="The e-mail address or the password is wrong.",
            status_code=401,
        )
    throttle.succeeded(*keys)
    async with db.transaction() as uow:
        token, _owner = await sessions.create_session(
            uow,
            user_id=user.id,
            ttl_s=settings.session_ttl_s,
            user_agent=request.headers.get("user-agent", ""),
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def _check_password(db: DbDep, email: str, password: str) -> Any:
    global _dummy_hash
    async with db.read() as uow:
        try:
            user = await account_service.get_user_by_email(uow, email=email)
        except AppError:
            user = None
    if user is None or not user.active or not user.password_hash:
        if _dummy_hash is None:
            _dummy_hash = await hash_password(secrets.token_urlsafe(16))
        await verify_password(_dummy_hash, password)
        return None
    return user if await verify_password(user.password_hash, password) else None


@router.post("/logout")
async def logout(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    await check_form_csrf(request, principal)
    token = request.cookies.get(sessions.SESSION_COOKIE, "")
    async with db.transaction() as uow:
        await sessions.end_session(uow, token=token)
        forget_credentials(uow)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    return response
