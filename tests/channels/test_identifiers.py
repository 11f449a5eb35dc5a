"""Delivery identifier normal forms (contacts/identifiers.py; reference 3.4)."""

from __future__ import annotations

import pytest

from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.core.errors import AppError


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("HS_PHONE_NUMBER", "+44 20 7946 0958", "+442079460958"),
        ("HS_PHONE_NUMBER", "+1 (202) 555-0143", "+12025550143"),
        ("HS_PHONE_NUMBER", "0049 151 23456789", "+4915123456789"),
        ("HS_PHONE_NUMBER", "4915123456789", "+4915123456789"),
        ("HS_EMAIL_ADDRESS", "  Desk@Example.COM ", "desk@example.com"),
        ("CHANNEL_SPECIFIC_OPAQUE_ID", " U123 ", " U123 "),
        ("HS_SHORT_CODE", "12345", "12345"),
    ],
)
def test_normal_forms(type_: str, value: str, expected: str) -> None:
    assert normalise_identifier(type_, value) == expected


@pytest.mark.parametrize(
    ("type_", "value", "field"),
    [
        ("HS_PHONE_NUMBER", "+1 555 0000", "sender.value"),
        ("HS_PHONE_NUMBER", "phone", "sender.value"),
        ("HS_EMAIL_ADDRESS", "desk@localhost", "sender.value"),
        ("CHANNEL_SPECIFIC_OPAQUE_ID", "   ", "sender.value"),
        ("CHANNEL_SPECIFIC_OPAQUE_ID", "x" * 513, "sender.value"),
        ("FAX", "1", "sender.type"),
    ],
)
def test_invalid_identifiers_name_the_field(type_: str, value: str, field: str) -> None:
    with pytest.raises(AppError) as caught:
        normalise_identifier(type_, value, field_prefix="sender")
    assert caught.value.status == 400
    assert caught.value.errors[0].in_ == field
