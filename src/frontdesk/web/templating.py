"""Jinja2 set-up: autoescaped templates from this package, and the page render helper."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontdesk import __version__
from frontdesk.conversations.inbox_views import row_cursor
from frontdesk.core.humanize import clock_duration, human_size
from frontdesk.core.models import ms_to_iso
from frontdesk.helpdesk.schemas import duration_text
from frontdesk.outreach.schemas import CALL_OUTCOMES

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

# Pages may load only what this server serves; inline scripts are refused (XSS containment).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def _initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["iso"] = ms_to_iso
environment.filters["human_size"] = human_size
environment.filters["clock"] = clock_duration
environment.filters["call_outcome"] = lambda key: CALL_OUTCOMES.get(key, key)
environment.filters["initials"] = _initials
environment.filters["after_cursor"] = row_cursor
environment.filters["duration"] = duration_text
environment.globals["version"] = __version__


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    started: float | None = None,
) -> HTMLResponse:
    """Render `template`; `Server-Timing` reports the time since `started` (the handler's
    start) so benchmarks can read the server's share of a page load."""
    html = environment.get_template(template).render(request=request, **(context or {}))
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response
