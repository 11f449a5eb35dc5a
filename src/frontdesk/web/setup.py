"""Mount the web UI on the app: pages, fragments, static files, the sign-in redirect."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.config import Settings
from frontdesk.library import public_routes as library_public_routes
from frontdesk.library import web_routes as library_web_routes
from frontdesk.web import (
    app_settings,
    channel_settings,
    connect_settings,
    contact_routes,
    helpdesk_routes,
    login,
    people_settings,
    routes,
    search_routes,
    settings_routes,
    snippet_settings,
    thread_routes,
)
from frontdesk.web.auth import FRAGMENT_HEADER, AdminPageRequired, LoginRequired, login_url
from frontdesk.web.templating import STATIC_DIR, render


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.headers.get(FRAGMENT_HEADER):
        return JSONResponse(exc.to_json(), status_code=401, headers=dict(exc.headers))
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _admin_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AdminPageRequired)
    if request.headers.get(FRAGMENT_HEADER):
        return JSONResponse(exc.to_json(), status_code=403)
    return render(request, "forbidden.html", {"message": exc.message}, status_code=403)


def install_web(app: FastAPI, settings: Settings) -> None:
    app.state.login_throttle = LoginThrottle(
        limit=settings.login_max_failures, window_s=settings.login_failure_window_s
    )
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(AdminPageRequired, _admin_required)
    app.include_router(login.router)
    app.include_router(routes.router)
    app.include_router(thread_routes.router)
    app.include_router(settings_routes.router)
    app.include_router(snippet_settings.router)
    app.include_router(channel_settings.router)
    app.include_router(connect_settings.router)
    app.include_router(app_settings.router)
    app.include_router(people_settings.router)
    app.include_router(contact_routes.router)
    app.include_router(helpdesk_routes.router)
    app.include_router(search_routes.router)
    app.include_router(library_web_routes.router)
    app.include_router(library_public_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
