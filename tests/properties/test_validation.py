"""validate_properties: values checked against the definitions, normalised, 400 naming each."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.core.errors import AppError
from frontdesk.properties.service import (
    BUILTINS,
    PropertyDef,
    PropertyOption,
    validate_properties,
)

DEFS = [
    *BUILTINS.values(),
    PropertyDef("order_id", "Order", "string"),
    PropertyDef("amount", "Amount", "number"),
    PropertyDef("vip", "VIP", "bool"),
    PropertyDef("due", "Due", "date"),
    PropertyDef("tier", "Tier", "enumeration", (PropertyOption("gold", "Gold"),)),
]


def test_good_values_are_normalised() -> None:
    values = {
        "priority": "HIGH",
        "category": "BILLING_ISSUE",
        "order_id": "  A-17 ",
        "amount": "12.50",
        "vip": "true",
        "due": "2026-12-01",
        "tier": "gold",
    }
    assert validate_properties(DEFS, values) == {
        "priority": "HIGH",
        "category": "BILLING_ISSUE",
        "order_id": "A-17",
        "amount": 12.5,
        "vip": True,
        "due": "2026-12-01",
        "tier": "gold",
    }
    assert validate_properties(DEFS, {"amount": 3.0, "vip": False}) == {"amount": 3, "vip": False}


def test_empty_values_mean_not_set() -> None:
    assert validate_properties(DEFS, {"priority": "", "amount": None}) == {}


@pytest.mark.parametrize(
    ("values", "name", "text"),
    [
        ({"priority": "CRITICAL"}, "priority", "LOW, MEDIUM, HIGH, URGENT"),
        ({"tier": "silver"}, "tier", "not one of gold"),
        ({"amount": "lots"}, "amount", "not a number"),
        ({"amount": True}, "amount", "must be a number"),
        ({"amount": float("nan")}, "amount", "finite"),
        ({"vip": "yes"}, "vip", "true or false"),
        ({"due": "01/12/2026"}, "due", "YYYY-MM-DD"),
        ({"due": "2026-02-30"}, "due", "YYYY-MM-DD"),
        ({"order_id": 17}, "order_id", "string"),
        ({"color": "red"}, "color", "Unknown property"),
    ],
)
def test_bad_values_name_the_property(values: dict[str, Any], name: str, text: str) -> None:
    with pytest.raises(AppError) as caught:
        validate_properties(DEFS, values)
    assert caught.value.status == 400
    assert [e.in_ for e in caught.value.errors] == [name]
    assert text in caught.value.message
    assert repr(name) in caught.value.message


def test_every_bad_value_is_reported() -> None:
    with pytest.raises(AppError) as caught:
        validate_properties(DEFS, {"priority": "X", "vip": "maybe", "amount": 1})
    assert [e.in_ for e in caught.value.errors] == ["priority", "vip"]
