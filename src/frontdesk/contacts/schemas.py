"""Contact-facing request pieces: the delivery identifier a participant is known by, and
the contact record of /frontdesk/v1/contacts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.contacts.identifiers import MAX_IDENTIFIER_CHARS
from frontdesk.core.models import ms_to_iso

# The width of contacts.name (the model and the publish path use the same limit).
MAX_NAME_CHARS = 300

DeliveryIdentifierType = Literal[
    "HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID", "HS_SHORT_CODE"
]


class PublicDeliveryIdentifier(BaseModel):
    """`PublicDeliveryIdentifier` (reference 3.4); the service normalises the value."""

    type: DeliveryIdentifierType
    value: str = Field(min_length=1, max_length=MAX_IDENTIFIER_CHARS)


class ContactUpdate(BaseModel):
    """Body of PATCH /frontdesk/v1/contacts/{contactId}; fields left out stay as they are. A
    new email or phone also finds the contact when messages come from it."""

    model_config = ConfigDict(extra="forbid")

    ownerId: str | None = Field(
        default=None,
        max_length=20,
        description="The owner's user id, or null for no owner. Must be an active user.",
        examples=["12"],
    )
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    email: str | None = Field(
        default=None, max_length=320, description="An email address, or null for none."
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="A phone number (stored in E.164), or null for none.",
        examples=["+15551234567"],
    )


def contact_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "ownerId": None if row.owner_id is None else str(row.owner_id),
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
    }
