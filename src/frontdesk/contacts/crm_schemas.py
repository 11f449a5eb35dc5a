"""HubSpot's CRM v3 contact objects (`/crm/v3/objects/contacts`): request bodies and the
`SimplePublicObject` answer.

Names: HubSpot splits a name into `firstname` and `lastname`; a Frontdesk contact has one
`name`. The parts a caller sent are kept in `contacts.properties` and returned as long as they
still make up the name; once the name changes elsewhere (the sidebar, a message carrying the
sender's name) they are derived from it: the first word is `firstname`, the rest `lastname`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.models import ms_to_iso

WRITABLE_PROPERTIES = ("email", "firstname", "lastname", "phone", "hubspot_owner_id")
READ_ONLY_PROPERTIES = ("hs_object_id", "createdate", "lastmodifieddate")
KNOWN_PROPERTIES = WRITABLE_PROPERTIES + READ_ONLY_PROPERTIES
# What HubSpot answers when the caller names no properties, and what it always adds.
DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
ALWAYS_PROPERTIES = READ_ONLY_PROPERTIES
FILTERABLE_PROPERTIES = (
    "email",
    "phone",
    "firstname",
    "lastname",
    "hubspot_owner_id",
    "hs_object_id",
)
Operator = Literal["EQ", "NEQ", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"]
PropertyValue = str | int | None


class ContactInput(BaseModel):
    """`SimplePublicObjectInputForCreate` / `SimplePublicObjectInput`: property values are
    strings ("" or null clears one)."""

    model_config = ConfigDict(extra="ignore")

    properties: dict[str, PropertyValue] = Field(
        examples=[{"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"}]
    )


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    propertyName: str = Field(max_length=100)
    operator: Operator
    value: PropertyValue = None
    values: list[str | int] | None = Field(default=None, max_length=100)


class FilterGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filters: list[Filter] = Field(max_length=6)


class Sort(BaseModel):
    model_config = ConfigDict(extra="forbid")

    propertyName: Literal["hs_object_id", "createdate"]
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchRequest(BaseModel):
    """`PublicObjectSearchRequest`: filter groups are ORed, the filters of a group ANDed."""

    model_config = ConfigDict(extra="forbid")

    filterGroups: list[FilterGroup] = Field(default_factory=list, max_length=5)
    query: str | None = Field(default=None, max_length=300)
    properties: list[str] = Field(default_factory=list, max_length=100)
    sorts: list[Sort] = Field(default_factory=list, max_length=1)
    limit: int = Field(default=10, ge=1, le=200)
    after: str | int | None = None


def object_json(row: Any, *, properties: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The `SimplePublicObject` of a contact row, with `properties` (None: HubSpot's default
    set; unknown names are left out, as HubSpot does)."""
    values = property_values(row)
    wanted = DEFAULT_PROPERTIES if properties is None else properties + ALWAYS_PROPERTIES
    return {
        "id": str(row.id),
        "properties": {name: values[name] for name in sorted(set(wanted)) if name in values},
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "archived": False,
    }


def property_values(row: Any) -> dict[str, str | None]:
    """Every known property of a contact row, as HubSpot's strings."""
    first, last = name_parts(row.name, row.properties or {})
    return {
        "email": row.email,
        "firstname": first,
        "lastname": last,
        "phone": row.phone,
        "hubspot_owner_id": None if row.owner_id is None else str(row.owner_id),
        "hs_object_id": str(row.id),
        "createdate": ms_to_iso(row.created_at),
        "lastmodifieddate": ms_to_iso(row.updated_at),
    }


def join_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def name_parts(name: str, stored: dict[str, Any]) -> tuple[str | None, str | None]:
    """(firstname, lastname): the stored parts while they still make up `name`, else derived
    from it (first word, then the rest)."""
    first, last = stored.get("firstname"), stored.get("lastname")
    if (first or last) and join_name(first, last) == name:
        return first or None, last or None
    head, _, rest = name.strip().partition(" ")
    return head or None, rest.strip() or None


def requested_properties(raw: list[str] | None) -> tuple[str, ...] | None:
    """The `properties` query values (repeated and/or comma-separated); None when absent."""
    if not raw:
        return None
    names = [name.strip() for value in raw for name in value.split(",")]
    return tuple(name for name in names if name)
