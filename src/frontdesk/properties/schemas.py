"""Bodies of the /frontdesk/v1/properties endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.properties.service import PropertyDef


class PropertyOptionIn(BaseModel):
    value: str = Field(min_length=1, max_length=100)
    label: str = Field(default="", max_length=200)


class PropertyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    label: str = Field(min_length=1, max_length=200)
    type: Literal["string", "number", "bool", "date", "enumeration"]
    options: list[PropertyOptionIn] = Field(default_factory=list, max_length=200)


class PropertyUpdate(BaseModel):
    """Fields left out stay as they are; built-ins accept only category's `options`."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, min_length=1, max_length=200)
    options: list[PropertyOptionIn] | None = Field(default=None, max_length=200)


def options_in(options: list[PropertyOptionIn] | None) -> list[dict[str, Any]] | None:
    return None if options is None else [o.model_dump() for o in options]


def property_json(definition: PropertyDef, *, archived: bool = False) -> dict[str, Any]:
    return {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type,
        "options": [{"value": o.value, "label": o.label} for o in definition.options],
        "builtIn": definition.builtin,
        "optionsEditable": definition.options_editable,
        "archived": archived,
    }
