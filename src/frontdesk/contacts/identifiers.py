"""Delivery identifiers (reference 3.4): one normal form per type, so equal addresses match.

Channel accounts, staging tokens and the publish path all store identifiers through
`normalise_identifier`, and lookups normalise the same way.
"""

from __future__ import annotations

import re

import phonenumbers

from frontdesk.core.errors import validation_error

DELIVERY_IDENTIFIER_TYPES = (
    "HS_EMAIL_ADDRESS",
    "HS_PHONE_NUMBER",
    "CHANNEL_SPECIFIC_OPAQUE_ID",
    "HS_SHORT_CODE",
)
MAX_IDENTIFIER_CHARS = 512  # the width of every delivery_value / identity column
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_identifier(type: str, value: str, *, field_prefix: str = "deliveryIdentifier") -> str:
    """The stored form of an identifier: E.164 phones, lower-case emails, opaque ids verbatim.

    Raises a 400 naming `<field_prefix>.type` or `<field_prefix>.value` when it is invalid.
    """
    if type not in DELIVERY_IDENTIFIER_TYPES:
        raise validation_error(
            f"type must be one of {', '.join(DELIVERY_IDENTIFIER_TYPES)}",
            field_name=f"{field_prefix}.type",
        )
    field_name = f"{field_prefix}.value"
    if not isinstance(value, str) or not value.strip():
        raise validation_error("value must be a non-empty string", field_name=field_name)
    if len(value) > MAX_IDENTIFIER_CHARS:
        raise validation_error(
            f"value must be at most {MAX_IDENTIFIER_CHARS} characters", field_name=field_name
        )
    if type == "HS_PHONE_NUMBER":
        return normalise_phone(value, field_name=field_name)
    if type == "HS_EMAIL_ADDRESS":
        return normalise_email(value, field_name=field_name)
    # Opaque ids and short codes mean whatever the channel says: compared byte for byte.
    return value


def normalise_phone(value: str, *, field_name: str = "value") -> str:
    """A phone number in E.164 (`+15551234567`); 400 when it is not a valid number."""
    candidate = value.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    elif not candidate.startswith("+"):
        # E.164 is international by definition: digits without "+" are read as such.
        candidate = "+" + candidate
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException as exc:
        raise validation_error(f"Not a phone number: {value!r}", field_name=field_name) from exc
    if not phonenumbers.is_valid_number(number):
        raise validation_error(f"Not a valid phone number: {value!r}", field_name=field_name)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(value: str, *, field_name: str = "value") -> str:
    """An email address, trimmed and lower-cased; 400 when it does not look like one."""
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise validation_error(f"Not an email address: {value!r}", field_name=field_name)
    return email
