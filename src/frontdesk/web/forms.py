"""Pieces shared by the channel and app settings pages: the page frame's context, reading a
form, and turning a service's error into messages next to the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import Principal
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.core.models import INT64_MAX
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.web.auth import check_form_csrf
from frontdesk.web.routes import event_cursor

FORM_ERROR = "form"  # the key of an error that names no field


async def frame(db: Database, principal: Principal) -> dict[str, Any]:
    """What every settings page's frame needs (app.html: the user, the live stream start)."""
    assert principal.user_id is not None
    cursor = await event_cursor(db)
    async with db.read() as uow:
        me = await account_service.get_user(uow, user_id=principal.user_id)
        help_desk = await helpdesk_service.sees_help_desk(
            uow, visible_inbox_ids=principal.inbox_ids
        )
    return {"me": me, "principal": principal, "event_cursor": cursor, "sees_help_desk": help_desk}


async def posted_form(request: Request, principal: Principal) -> FormData:
    """The form of a post, after its CSRF token checked out (403 otherwise)."""
    await check_form_csrf(request, principal)
    return await request.form()


def field(form: FormData, name: str) -> str:
    """A text field, trimmed; empty when absent (or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class FormErrors:
    """Messages by field name, for a form re-rendered after a refused post."""

    by_field: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)


def form_errors(exc: AppError, *, aliases: dict[str, str] | None = None) -> FormErrors:
    """The errors of a refused change by form field (`aliases` renames API field names)."""
    names = aliases or {}
    by_field: dict[str, str] = {}
    for error in exc.errors:
        key = names.get(error.in_ or "", error.in_ or FORM_ERROR)
        by_field.setdefault(key, error.message)
    if not by_field:
        by_field[FORM_ERROR] = exc.message
    return FormErrors(by_field)


NO_ERRORS = FormErrors({})


def ids(form: FormData, name: str) -> tuple[int, ...] | None:
    """Every value of a multi-select as ids; None when one is not an id."""
    values: list[int] = []
    for raw in form.getlist(name):
        if not isinstance(raw, str) or not raw.isdigit() or not 0 < int(raw) <= INT64_MAX:
            return None
        values.append(int(raw))
    return tuple(values)


def optional_id(value: str | None) -> int | None:
    """A positive id from a query or form value, None when absent or malformed."""
    if value and value.isdigit() and 0 < int(value) <= INT64_MAX:
        return int(value)
    return None
