"""The CRM contacts API's use cases: create, read, update, list and search contacts by HubSpot
property names (`crm_schemas` maps them to our columns).

DESIGN 8: a caller with the contacts scopes sees every contact (a bridge pre-creates contacts
before any conversation exists). Writes go through `contact_service.apply_contact_values`, so a
new email or phone becomes an identity of the contact and `contact.updated` is emitted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select, true

from frontdesk.contacts import service as contact_service
from frontdesk.contacts.crm_schemas import (
    FILTERABLE_PROPERTIES,
    WRITABLE_PROPERTIES,
    Filter,
    PropertyValue,
    SearchRequest,
    join_name,
    name_parts,
)
from frontdesk.contacts.identifiers import normalise_phone
from frontdesk.contacts.models import Contact
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, ErrorDetail, NotFound, validation_error
from frontdesk.core.models import INT64_MAX, now_ms

MAX_LIST_LIMIT = 100
ID_PROPERTIES = ("hs_object_id", "email")


async def create_contact(uow: UnitOfWork, *, properties: dict[str, PropertyValue]) -> Any:
    """A new contact; 409 naming the existing contact when its email is taken."""
    values = await _column_values(uow, properties, row=None)
    now = now_ms()
    contact_id: int = await uow.scalar(
        insert(Contact)
        .values(name="", properties={}, created_at=now, updated_at=now)
        .returning(Contact.id)
    )
    blank = (await uow.execute(select(Contact).where(Contact.id == contact_id))).one()
    return await contact_service.apply_contact_values(uow, row=blank, values=values)


async def get_contact(uow: UnitOfWork, *, contact_id: str, id_property: str | None) -> Any:
    """The contact named by its id, or by its email with `id_property="email"`; 404 if none."""
    if id_property not in (None, *ID_PROPERTIES):
        raise validation_error(
            f"idProperty must be one of {', '.join(ID_PROPERTIES)}", field_name="idProperty"
        )
    if id_property == "email":
        condition = Contact.email == contact_id.strip().lower()
    elif contact_id.isascii() and contact_id.isdigit() and 0 < int(contact_id) <= INT64_MAX:
        condition = Contact.id == int(contact_id)
    else:
        raise validation_error(f"Not a contact id: {contact_id!r}", field_name="contactId")
    row = (await uow.execute(select(Contact).where(condition).limit(1))).first()
    if row is None:
        raise NotFound("Contact", contact_id)
    return row


async def update_contact(
    uow: UnitOfWork,
    *,
    contact_id: str,
    id_property: str | None,
    properties: dict[str, PropertyValue],
) -> Any:
    """Change the properties sent; the others stay as they are."""
    row = await get_contact(uow, contact_id=contact_id, id_property=id_property)
    values = await _column_values(uow, properties, row=row)
    return await contact_service.apply_contact_values(uow, row=row, values=values)


async def list_contacts(
    uow: UnitOfWork, *, limit: int, after: int | None
) -> tuple[list[Any], int | None]:
    """A page of contacts in id order, and the id to continue after (None: the last page)."""
    statement = select(Contact).order_by(Contact.id).limit(limit + 1)
    if after is not None:
        statement = statement.where(Contact.id > after)
    rows = list((await uow.execute(statement)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


async def search_contacts(
    uow: UnitOfWork, *, request: SearchRequest
) -> tuple[int, list[Any], int | None]:
    """(total, the page, the offset of the next page or None)."""
    offset = _offset(request.after)
    condition = and_(_groups(request), _query(request.query))
    total = int(await uow.scalar(select(func.count()).select_from(Contact).where(condition)))
    descending = bool(request.sorts) and request.sorts[0].direction == "DESCENDING"
    order = Contact.id.desc() if descending else Contact.id
    statement = select(Contact).where(condition).order_by(order)
    rows = list((await uow.execute(statement.offset(offset).limit(request.limit))).all())
    after = offset + len(rows)
    return total, rows, (after if after < total else None)


# --- properties to columns -------------------------------------------------------------------


async def _column_values(
    uow: UnitOfWork, properties: dict[str, PropertyValue], *, row: Any
) -> dict[str, Any]:
    """The columns a set of properties writes; 400 naming unknown properties or bad values."""
    unknown = sorted(name for name in properties if name not in WRITABLE_PROPERTIES)
    if unknown:
        raise AppError(
            "Property values were not valid",
            errors=[
                ErrorDetail(f'Property "{name}" does not exist', name, "PROPERTY_DOESNT_EXIST")
                for name in unknown
            ],
        )
    text = {name: _text(value) for name, value in properties.items()}
    values: dict[str, Any] = {}
    if "email" in text:
        values["email"] = contact_service.contact_email(text["email"], field_name="email")
    if "phone" in text:
        values["phone"] = contact_service.contact_phone(text["phone"], field_name="phone")
    if "hubspot_owner_id" in text:
        values["owner_id"] = await contact_service.owner_id_of(
            uow, text["hubspot_owner_id"], field_name="hubspot_owner_id"
        )
    if "firstname" in text or "lastname" in text:
        values.update(_name_values(text, row=row))
    return values


def _text(value: PropertyValue) -> str | None:
    text = None if value is None else str(value).strip()
    return text or None


def _name_values(text: dict[str, str | None], *, row: Any) -> dict[str, Any]:
    """`name` from the first and last name (a part not sent keeps its current value), and the
    parts in `properties` so they read back as sent."""
    stored: dict[str, Any] = dict(row.properties or {}) if row is not None else {}
    current = name_parts(row.name, stored) if row is not None else (None, None)
    first = text.get("firstname", current[0])
    last = text.get("lastname", current[1])
    name = join_name(first, last)
    if len(name) > contact_service.MAX_NAME_CHARS:
        raise validation_error(
            f"firstname and lastname together must be at most "
            f"{contact_service.MAX_NAME_CHARS} characters",
            field_name="firstname",
        )
    return {"name": name, "properties": {**stored, "firstname": first, "lastname": last}}


# --- search ----------------------------------------------------------------------------------


def _offset(after: str | int | None) -> int:
    if after is None or after == "":
        return 0
    text = str(after)
    if not text.isascii() or not text.isdigit() or int(text) > 10_000:
        raise validation_error(
            "after must be a paging offset from a previous page", field_name="after"
        )
    return int(text)


def _groups(request: SearchRequest) -> ColumnElement[bool]:
    groups = [and_(true(), *(_filter(f) for f in g.filters)) for g in request.filterGroups]
    return or_(*groups) if groups else true()


def _query(query: str | None) -> ColumnElement[bool]:
    return contact_service.text_match(query) if query and query.strip() else true()


def _filter(item: Filter) -> ColumnElement[bool]:
    if item.propertyName not in FILTERABLE_PROPERTIES:
        raise validation_error(
            f"Cannot filter on {item.propertyName!r}: use one of "
            f"{', '.join(FILTERABLE_PROPERTIES)}",
            field_name="filterGroups.filters.propertyName",
        )
    column: Any = _FILTER_COLUMNS[item.propertyName]
    if item.operator == "HAS_PROPERTY":
        return column.is_not(None)  # type: ignore[no-any-return]
    if item.operator == "NOT_HAS_PROPERTY":
        return column.is_(None)  # type: ignore[no-any-return]
    values = _filter_values(item)
    matches = [_equals(item.propertyName, column, value) for value in values]
    matched = or_(false(), *matches)
    if item.operator in ("EQ", "IN"):
        return matched
    return or_(~matched, column.is_(None))


_FILTER_COLUMNS: dict[str, Any] = {
    "email": Contact.email,
    "phone": Contact.phone,
    "hubspot_owner_id": Contact.owner_id,
    "hs_object_id": Contact.id,
}


def _filter_values(item: Filter) -> list[str]:
    if item.operator in ("IN", "NOT_IN"):
        if not item.values:
            raise validation_error(
                f"{item.operator} needs values", field_name="filterGroups.filters.values"
            )
        return [str(v) for v in item.values]
    if item.value is None or str(item.value) == "":
        raise validation_error(
            f"{item.operator} needs a value", field_name="filterGroups.filters.value"
        )
    return [str(item.value)]


def _equals(name: str, column: Any, value: str) -> ColumnElement[bool]:
    """`column` equals a property value given as text (ids compare as numbers; emails and
    phones in their stored forms)."""
    if name in ("hubspot_owner_id", "hs_object_id"):
        ok = value.isascii() and value.isdigit() and int(value) <= INT64_MAX
        return column == int(value) if ok else false()
    if name == "email":
        return column == value.strip().lower()  # type: ignore[no-any-return]
    try:
        return column == normalise_phone(value)  # type: ignore[no-any-return]
    except AppError:
        return column == value.strip()  # type: ignore[no-any-return]
