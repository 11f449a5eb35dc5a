"""Settings > Conversation properties: the built-ins (priority fixed, category's options
editable) and custom properties (define with a type and options, relabel, archive).

Options are typed one per line, `value | Label`, or just `value` when the label is the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from frontdesk.api.deps import DbDep, Principal
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError
from frontdesk.properties import service as property_service
from frontdesk.properties.service import PropertyDef
from frontdesk.web.auth import WebAdminDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, posted_form
from frontdesk.web.people_settings.forms import apply_change, settings_page

router = APIRouter()

PropertyName = Annotated[str, Path(alias="propertyName", max_length=100)]
PAGE = "/settings/properties"
TYPES = (
    ("string", "Text"),
    ("number", "Number"),
    ("bool", "Yes / no"),
    ("date", "Date"),
    ("enumeration", "Choice from a list"),
)


def parse_options(text: str) -> list[dict[str, str]]:
    """`value | Label` per line (or `value` alone); blank lines are skipped."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        value, _, label = line.partition("|")
        options.append({"value": value.strip(), "label": label.strip() or value.strip()})
    return options


def options_text(definition: PropertyDef) -> str:
    """The options as the textarea shows them (the inverse of `parse_options`)."""
    return "\n".join(
        o.value if o.label == o.value else f"{o.value} | {o.label}" for o in definition.options
    )


async def _page(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form_key: str = "",
    form: dict[str, str] | None = None,
    errors: FormErrors = NO_ERRORS,
    status_code: int = 200,
) -> Response:
    async with db.read() as uow:
        definitions = await property_service.list_definitions(uow)
        archived = await property_service.list_archived_definitions(uow)
    context: dict[str, Any] = {
        "definitions": definitions,
        "archived": archived,
        "types": TYPES,
        "type_labels": dict(TYPES),
        "options_text": {d.name: options_text(d) for d in definitions},
        "form_key": form_key,
        "form": form or {"type": "string"},
        "errors": errors,
    }
    return await settings_page(
        request, db, principal, "settings_properties.html", context, status_code=status_code
    )


@router.get(PAGE)
async def properties_page(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    return await _page(request, principal, db)


async def _apply(
    request: Request,
    principal: Principal,
    db: DbDep,
    *,
    form_key: str,
    form: dict[str, str],
    change: Callable[[UnitOfWork], Awaitable[Any]],
    notice: str,
) -> Response:
    """Run one change; on a refusal, this page again with the form as it was posted."""

    async def refused(exc: AppError) -> Response:
        return await _page(
            request,
            principal,
            db,
            form_key=form_key,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )

    return await apply_change(db, change, refused=refused, path=PAGE, notice=notice)


@router.post(PAGE)
async def create_property(request: Request, principal: WebAdminDep, db: DbDep) -> Response:
    posted = await posted_form(request, principal)
    form = {n: field(posted, n) for n in ("name", "label", "type", "options")}

    async def change(uow: UnitOfWork) -> Any:
        options = parse_options(form["options"]) if form["type"] == "enumeration" else None
        return await property_service.create_definition(
            uow, name=form["name"], label=form["label"], type=form["type"], options=options
        )

    return await _apply(
        request,
        principal,
        db,
        form_key="create",
        form=form,
        change=change,
        notice="property-created",
    )


@router.post(PAGE + "/{propertyName}")
async def save_property(
    request: Request, name: PropertyName, principal: WebAdminDep, db: DbDep
) -> Response:
    """Relabel a custom property and/or replace an enumeration's options."""
    posted = await posted_form(request, principal)
    # A form sends only what may change: no label field for built-ins, no options for
    # non-enumerations.
    form = {n: field(posted, n) for n in ("label", "options") if n in posted}

    async def change(uow: UnitOfWork) -> Any:
        options = parse_options(form["options"]) if "options" in form else None
        return await property_service.update_definition(
            uow, name=name, label=form.get("label"), options=options
        )

    return await _apply(
        request,
        principal,
        db,
        form_key=f"edit-{name}",
        form=form,
        change=change,
        notice="property-saved",
    )


@router.post(PAGE + "/{propertyName}/archive")
async def archive_property(
    request: Request, name: PropertyName, principal: WebAdminDep, db: DbDep
) -> Response:
    await posted_form(request, principal)

    async def change(uow: UnitOfWork) -> Any:
        return await property_service.archive_definition(uow, name=name)

    return await _apply(
        request,
        principal,
        db,
        form_key=f"edit-{name}",
        form={},
        change=change,
        notice="property-archived",
    )
