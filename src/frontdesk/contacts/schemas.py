"""Contact-facing request pieces: the delivery identifier a participant is known by."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from frontdesk.contacts.identifiers import MAX_IDENTIFIER_CHARS

DeliveryIdentifierType = Literal[
    "HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID", "HS_SHORT_CODE"
]


class PublicDeliveryIdentifier(BaseModel):
    """`PublicDeliveryIdentifier` (reference 3.4); the service normalises the value."""

    type: DeliveryIdentifierType
    value: str = Field(min_length=1, max_length=MAX_IDENTIFIER_CHARS)
