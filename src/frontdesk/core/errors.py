"""One error type and HubSpot's error body, used for every error Frontdesk answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of `errors[]`: what is wrong and where (`in` names the field)."""

    message: str
    in_: str | None = None
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.in_ is not None:
            body["in"] = self.in_
        if self.code is not None:
            body["code"] = self.code
        return body


@dataclass
class AppError(Exception):
    """An expected failure, rendered as HubSpot's error body with `status` as HTTP code."""

    message: str
    category: str = "VALIDATION_ERROR"
    status: int = 400
    errors: Sequence[ErrorDetail] = ()
    context: dict[str, list[str]] = field(default_factory=dict)
    sub_category: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def to_json(self, correlation_id: str | None = None) -> dict[str, Any]:
        return error_body(
            status=self.status,
            message=self.message,
            category=self.category,
            errors=self.errors,
            context=self.context,
            sub_category=self.sub_category,
            correlation_id=correlation_id,
        )


def error_body(
    *,
    status: int,
    message: str,
    category: str,
    errors: Sequence[ErrorDetail] = (),
    context: dict[str, list[str]] | None = None,
    sub_category: str | None = None,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """HubSpot's error body; `status` is the literal "error" as HubSpot sends it."""
    del status  # the HTTP status travels in the response line, as HubSpot does
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id or str(uuid.uuid4()),
        "category": category,
    }
    if sub_category:
        body["subCategory"] = sub_category
    if errors:
        body["errors"] = [e.to_json() for e in errors]
    if context:
        body["context"] = context
    return body


def validation_error(message: str, *, field_name: str | None = None) -> AppError:
    return AppError(message, errors=[ErrorDetail(message, in_=field_name)])


class NotFound(AppError):
    def __init__(self, what: str, ident: object | None = None, *, field_name: str | None = None):
        text = f"{what} {ident} not found" if ident is not None else f"{what} not found"
        super().__init__(
            text,
            category="OBJECT_NOT_FOUND",
            status=404,
            errors=[ErrorDetail(text, in_=field_name)] if field_name else (),
        )


class Conflict(AppError):
    def __init__(self, message: str, *, field_name: str | None = None):
        super().__init__(
            message,
            category="CONFLICT",
            status=409,
            errors=[ErrorDetail(message, in_=field_name)] if field_name else (),
        )


class Unauthenticated(AppError):
    def __init__(self, message: str = "Authentication credentials not found or invalid"):
        super().__init__(
            message,
            category="INVALID_AUTHENTICATION",
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )


class Forbidden(AppError):
    def __init__(self, message: str = "You may not do this", category: str = "FORBIDDEN"):
        super().__init__(message, category=category, status=403)


class MissingScopes(AppError):
    def __init__(self, scopes: Sequence[str]):
        text = "This request needs one of these scopes: " + ", ".join(scopes)
        super().__init__(
            text,
            category="MISSING_SCOPES",
            status=403,
            context={"requiredGranularScopes": list(scopes), "missingScopes": list(scopes)},
        )
