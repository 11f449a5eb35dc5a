"""Every error leaves as HubSpot's error body; nothing unexpected leaks as HTML or a trace."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.api.responses import JsonResponse
from frontdesk.core.errors import AppError, ErrorDetail, error_body

log = logging.getLogger(__name__)

_HTTP_CATEGORIES = {
    401: "INVALID_AUTHENTICATION",
    403: "FORBIDDEN",
    404: "OBJECT_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITS",
}


# A discriminated union's branch appears in `loc` as its tag ("MESSAGE", "FILE"): upper-case,
# unlike every camelCase field name of the API.
_UNION_TAG = re.compile(r"^[A-Z][A-Z0-9_]*$")
_UNION_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")


def _error_loc(err: Any) -> tuple[Any, ...]:
    if err.get("type") == "json_invalid":
        return ("body",)  # FastAPI's loc is ("body", <character offset>): the body is at fault
    loc = tuple(err.get("loc", ()))
    if err.get("type") in _UNION_TAG_ERRORS:
        # A missing or unknown `type` is reported at the union itself: name the tag field.
        loc += (str(err.get("ctx", {}).get("discriminator", "type")).strip("'"),)
    return loc


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "senders", 0, "deliveryIdentifier", "type") -> "senders[0].deliveryIdentifier.type"
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in str(part) or "-" in str(part) or _UNION_TAG.match(str(part)):
            continue  # pydantic's union branch labels, e.g. "FILE" or "function-after[...]"
        else:
            out += ("." if out else "") + str(part)
    return out or (str(loc[0]) if loc else "body")


def render(error: AppError) -> JsonResponse:
    return JsonResponse(error.to_json(), status_code=error.status, headers=error.headers or None)


async def _app_error(_request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, AppError)
    return render(exc)


async def _validation_error(_request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        where = _field_name(_error_loc(err))
        message = str(err.get("msg", "invalid"))
        details.append(ErrorDetail(f"{where}: {message}", in_=where, code=str(err.get("type"))))
    if not details:
        details.append(ErrorDetail("Invalid request", in_="body"))
    message = "Invalid input: " + "; ".join(d.message for d in details[:5])
    return render(AppError(message, errors=details))


async def _http_error(_request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    category = _HTTP_CATEGORIES.get(exc.status_code, "VALIDATION_ERROR")
    body = error_body(status=exc.status_code, message=str(exc.detail), category=category)
    return JsonResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _integrity_error(_request: Request, exc: Exception) -> JsonResponse:
    # A unique constraint lost a race that a service's own check could not see: a conflict.
    log.info("integrity error answered as 409: %s", exc)
    return render(AppError("The request conflicts with existing data", "CONFLICT", 409))


async def _unexpected(_request: Request, exc: Exception) -> JsonResponse:
    correlation_id = str(uuid.uuid4())
    log.exception("unhandled error %s", correlation_id, exc_info=exc)
    body = error_body(
        status=500,
        message="Internal error",
        category="INTERNAL_ERROR",
        correlation_id=correlation_id,
    )
    return JsonResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimitMiddleware:
    """413 before reading a body larger than the limit (Content-Length, or counted while
    streaming for chunked bodies). Multipart uploads get the larger upload limit."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        # Multipart overhead (boundaries, form fields) on top of the file itself.
        limit = (
            self.max_upload + 64 * 1024 if content_type.startswith("multipart/") else self.max_body
        )
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException: FastAPI turns any other error raised while it
                    # reads a JSON body into a 400 (the handler gives it our error body).
                    raise StarletteHTTPException(413, f"Request body larger than {limit} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _too_large(self, send: Send, limit: int) -> None:
        response = render(
            AppError(f"Request body larger than {limit} bytes", "PAYLOAD_TOO_LARGE", 413)
        )
        await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
