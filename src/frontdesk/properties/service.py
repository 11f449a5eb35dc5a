"""Conversation properties: the built-ins, the custom definitions admins add, and validation.

How the built-ins are stored: they live in code (`BUILTINS`), so a fresh workspace has them
without a migration or a seed. `priority` is fixed (LOW, MEDIUM, HIGH, URGENT, HubSpot's ticket
priorities), and so is `ticket_status` (help-desk tickets: see helpdesk/service.py). `category`
has admin-editable options: once an admin edits them, they are kept in the
`property_definitions` row named `category` (the row's other columns are ignored); until then
the code's defaults apply. Every other row is a custom property. Custom properties are
never deleted: `archived` hides them from new values while old threads keep theirs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, Conflict, ErrorDetail, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.properties.models import PropertyDefinition

PROPERTY_TYPES = ("string", "number", "bool", "date", "enumeration")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_STRING_CHARS = 1000
MAX_OPTIONS = 200


@dataclass(frozen=True)
class PropertyOption:
    value: str
    label: str


@dataclass(frozen=True)
class PropertyDef:
    """One property a thread may carry, as forms and validation see it."""

    name: str
    label: str
    type: str
    options: tuple[PropertyOption, ...] = ()
    builtin: bool = False
    # Built-ins whose options admins may edit (category); custom ones are always editable.
    options_editable: bool = True

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


def _options(*pairs: tuple[str, str]) -> tuple[PropertyOption, ...]:
    return tuple(PropertyOption(value, label) for value, label in pairs)


PRIORITY = PropertyDef(
    name="priority",
    label="Priority",
    type="enumeration",
    options=_options(("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent")),
    builtin=True,
    options_editable=False,
)
CATEGORY = PropertyDef(
    name="category",
    label="Category",
    type="enumeration",
    options=_options(
        ("PRODUCT_ISSUE", "Product issue"),
        ("BILLING_ISSUE", "Billing issue"),
        ("FEATURE_REQUEST", "Feature request"),
        ("GENERAL_INQUIRY", "General inquiry"),
    ),
    builtin=True,
)
# Help-desk tickets (DESIGN 3): set only on threads of HELP_DESK inboxes, moved by the rules in
# helpdesk/service.py; CLOSED is the thread's status CLOSED.
TICKET_STATUS = PropertyDef(
    name="ticket_status",
    label="Ticket status",
    type="enumeration",
    options=_options(
        ("NEW", "New"),
        ("WAITING_ON_CONTACT", "Waiting on contact"),
        ("WAITING_ON_US", "Waiting on us"),
        ("CLOSED", "Closed"),
    ),
    builtin=True,
    options_editable=False,
)
BUILTINS: dict[str, PropertyDef] = {p.name: p for p in (PRIORITY, CATEGORY, TICKET_STATUS)}


def _to_def(row: Any) -> PropertyDef:
    options = tuple(PropertyOption(str(o["value"]), str(o["label"])) for o in row.options or [])
    builtin = BUILTINS.get(row.name)
    if builtin is not None:
        return PropertyDef(
            name=builtin.name,
            label=builtin.label,
            type=builtin.type,
            options=options,
            builtin=True,
            options_editable=builtin.options_editable,
        )
    return PropertyDef(name=row.name, label=row.label, type=row.type, options=options)


async def list_definitions(uow: UnitOfWork, *, archived: bool = False) -> list[PropertyDef]:
    """The built-ins first, then the custom properties by creation (archived ones on request)."""
    query = select(PropertyDefinition).order_by(PropertyDefinition.id)
    if not archived:
        query = query.where(PropertyDefinition.archived.is_(False))
    rows = {row.name: row for row in (await uow.execute(query)).all()}
    builtins = [
        _to_def(rows[name]) if name in rows else builtin for name, builtin in BUILTINS.items()
    ]
    custom = [_to_def(row) for name, row in rows.items() if name not in BUILTINS]
    return builtins + custom


async def list_default_definitions(uow: UnitOfWork) -> list[PropertyDef]:
    """The properties a channel account may give its new conversations by default: all but
    `ticket_status`, which only the help-desk rules set (a new ticket is always NEW)."""
    return [d for d in await list_definitions(uow) if d.name != TICKET_STATUS.name]


async def list_archived_definitions(uow: UnitOfWork) -> list[PropertyDef]:
    """Custom properties admins archived, for the settings page."""
    rows = await uow.execute(
        select(PropertyDefinition)
        .where(PropertyDefinition.archived.is_(True))
        .order_by(PropertyDefinition.id)
    )
    return [_to_def(row) for row in rows.all() if row.name not in BUILTINS]


async def get_definition(uow: UnitOfWork, *, name: str) -> PropertyDef:
    """One live property by name (built-in or custom, not archived)."""
    for definition in await list_definitions(uow):
        if definition.name == name:
            return definition
    raise NotFound("Property", name)


# ---- validation of values --------------------------------------------------------------


def validate_properties(
    definitions: Sequence[PropertyDef], values: dict[str, Any]
) -> dict[str, Any]:
    """Check values against the definitions and normalise them; 400 naming each bad property.

    Empty values (None or "") mean "not set" and are left out of the result.
    """
    by_name = {d.name: d for d in definitions}
    result: dict[str, Any] = {}
    problems: list[ErrorDetail] = []
    for name, value in values.items():
        definition = by_name.get(name)
        if definition is None:
            problems.append(ErrorDetail(f"Unknown property {name!r}", in_=name))
            continue
        if value is None or value == "":
            continue
        try:
            result[name] = normalise_value(definition, value)
        except ValueError as exc:
            problems.append(ErrorDetail(f"Property {name!r}: {exc}", in_=name))
    if problems:
        message = problems[0].message if len(problems) == 1 else "Some properties are invalid"
        raise AppError(message, errors=problems)
    return result


def normalise_value(definition: PropertyDef, value: Any) -> Any:
    """The stored form of one value; ValueError says what is wrong with it."""
    kind = definition.type
    if kind == "enumeration":
        if not isinstance(value, str) or value not in definition.option_values:
            allowed = ", ".join(definition.option_values) or "(no options defined)"
            raise ValueError(f"{value!r} is not one of {allowed}")
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > MAX_STRING_CHARS:
            raise ValueError(f"must be at most {MAX_STRING_CHARS} characters")
        return value.strip()
    if kind == "number":
        return _number(value)
    if kind == "bool":
        return _bool(value)
    if kind == "date":
        return _date(value)
    raise ValueError(f"has an unknown type {kind!r}")


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def _bool(value: Any) -> bool:
    # Forms send strings; JSON sends booleans.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


def _date(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) != 10:
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date as YYYY-MM-DD") from None


# ---- admin changes to definitions ------------------------------------------------------


def check_name(name: str) -> str:
    """A property name: lower_snake_case, not a built-in's."""
    name = name.strip()
    if not NAME_PATTERN.match(name) or len(name) > 100:
        raise validation_error(
            f"{name!r} is not a valid name: use lower_snake_case (a-z, 0-9, _), "
            "starting with a letter, at most 100 characters",
            field_name="name",
        )
    if name in BUILTINS:
        raise Conflict(f"{name!r} is a built-in property", field_name="name")
    return name


def check_options(kind: str, options: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Enumeration options as stored: non-empty, unique values, a label each (value if none)."""
    if kind != "enumeration":
        if options:
            raise validation_error("Only enumerations have options", field_name="options")
        return []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for option in options or []:
        value = str(option.get("value") or "").strip()
        label = str(option.get("label") or "").strip() or value
        if not value or len(value) > 100 or len(label) > 200:
            raise validation_error(
                "Each option needs a value (at most 100 characters) and a label (at most 200)",
                field_name="options",
            )
        if value in seen:
            raise validation_error(f"Option {value!r} is listed twice", field_name="options")
        seen.add(value)
        cleaned.append({"value": value, "label": label})
    if not cleaned:
        raise validation_error("An enumeration needs at least one option", field_name="options")
    if len(cleaned) > MAX_OPTIONS:
        raise validation_error(f"At most {MAX_OPTIONS} options", field_name="options")
    return cleaned


def _check_label(label: str) -> str:
    label = label.strip()
    if not label or len(label) > 200:
        raise validation_error("label must be 1 to 200 characters", field_name="label")
    return label


async def create_definition(
    uow: UnitOfWork,
    *,
    name: str,
    label: str,
    type: str,
    options: Sequence[dict[str, Any]] | None = None,
) -> PropertyDef:
    """Define a custom property; a name in use (even archived) is a 409."""
    name = check_name(name)
    label = _check_label(label)
    if type not in PROPERTY_TYPES:
        raise validation_error(
            f"type must be one of {', '.join(PROPERTY_TYPES)}", field_name="type"
        )
    cleaned = check_options(type, options)
    taken = await uow.scalar(select(PropertyDefinition.id).where(PropertyDefinition.name == name))
    if taken is not None:
        raise Conflict(f"A property named {name!r} exists (maybe archived)", field_name="name")
    now = now_ms()
    await uow.execute(
        insert(PropertyDefinition).values(
            name=name,
            label=label,
            type=type,
            options=cleaned,
            archived=False,
            created_at=now,
            updated_at=now,
        )
    )
    return await get_definition(uow, name=name)


async def update_definition(
    uow: UnitOfWork,
    *,
    name: str,
    label: str | None = None,
    options: Sequence[dict[str, Any]] | None = None,
) -> PropertyDef:
    """Relabel a custom property or edit an enumeration's options (category's too)."""
    current = await get_definition(uow, name=name)
    if current.builtin:
        return await _update_builtin(uow, current=current, label=label, options=options)
    values: dict[str, Any] = {"updated_at": now_ms()}
    if label is not None:
        values["label"] = _check_label(label)
    if options is not None:
        values["options"] = check_options(current.type, options)
    await uow.execute(
        update(PropertyDefinition).where(PropertyDefinition.name == name).values(**values)
    )
    return await get_definition(uow, name=name)


async def _update_builtin(
    uow: UnitOfWork,
    *,
    current: PropertyDef,
    label: str | None,
    options: Sequence[dict[str, Any]] | None,
) -> PropertyDef:
    if label is not None or not current.options_editable:
        raise validation_error(
            f"{current.name!r} is built in: only the options of category can change",
            field_name="label" if label is not None else "options",
        )
    if options is None:
        return current
    cleaned = check_options(current.type, options)
    now = now_ms()
    exists = await uow.scalar(
        select(PropertyDefinition.id).where(PropertyDefinition.name == current.name)
    )
    if exists is None:
        await uow.execute(
            insert(PropertyDefinition).values(
                name=current.name,
                label=current.label,
                type=current.type,
                options=cleaned,
                archived=False,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        await uow.execute(
            update(PropertyDefinition)
            .where(PropertyDefinition.name == current.name)
            .values(options=cleaned, updated_at=now)
        )
    return await get_definition(uow, name=current.name)


async def archive_definition(uow: UnitOfWork, *, name: str) -> None:
    """Archive a custom property: no new values; threads keep the ones they have."""
    if name in BUILTINS:
        raise validation_error(f"{name!r} is built in and cannot be archived", field_name="name")
    await get_definition(uow, name=name)
    await uow.execute(
        update(PropertyDefinition)
        .where(PropertyDefinition.name == name)
        .values(archived=True, updated_at=now_ms())
    )
