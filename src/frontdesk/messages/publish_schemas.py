"""The publish request body, `ChannelIntegrationMessageEgg` (reference 5.1, 5.2).

Attachments are a union discriminated by `type`; each variant stores what it validated (a
FILE is completed from the file row by the service). Unknown fields are ignored, as HubSpot's
clients may send newer ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from frontdesk.contacts.schemas import PublicDeliveryIdentifier

MAX_ID = 2**63 - 1  # ids are BIGINT columns
MAX_KEY_CHARS = 512  # the width of idempotency and integration thread id columns

# Ids are strings in HubSpot's JSON; numbers are accepted too.
Id = Annotated[
    int, Field(ge=1, le=MAX_ID), WithJsonSchema({"type": "string", "pattern": "^[0-9]+$"})
]
Key = Annotated[str, Field(min_length=1, max_length=MAX_KEY_CHARS)]


class Participant(BaseModel):
    """`ChannelIntegrationParticipant`."""

    deliveryIdentifier: PublicDeliveryIdentifier
    name: str | None = Field(default=None, max_length=1000)
    senderActorId: str | None = Field(
        default=None,
        max_length=64,
        description="On an OUTGOING mirror: the actor (e.g. `A-12`) who sent it.",
    )


class FileAttachment(BaseModel):
    type: Literal["FILE"]
    fileId: Id = Field(description="A file this app uploaded through /files/v3/files.")
    fileUsageType: (
        Literal["AUDIO", "IMAGE", "OTHER", "STICKER", "VOICE_RECORDING", "VIDEO"] | None
    ) = Field(
        default=None,
        description="VIDEO is a Frontdesk extension; OTHER on a video file is stored as VIDEO, "
        "and a missing type is inferred from the file's sniffed MIME type.",
    )


class LocationAttachment(BaseModel):
    type: Literal["LOCATION"]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactAddress(BaseModel):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    countryCode: str | None = None
    type: Literal["HOME", "WORK"] | None = None


class ContactEmail(BaseModel):
    email: str
    type: Literal["HOME", "WORK"] | None = None


class ContactPhone(BaseModel):
    phone: str
    type: Literal["CELL", "HOME", "MAIN", "WORK"] | None = None


class ContactUrl(BaseModel):
    url: str
    type: Literal["HOME", "WORK"] | None = None


class ContactName(BaseModel):
    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    prefix: str | None = None
    suffix: str | None = None


class ContactOrg(BaseModel):
    company: str | None = None
    department: str | None = None
    title: str | None = None


class ContactProfile(BaseModel):
    addresses: list[ContactAddress]
    emails: list[ContactEmail]
    phones: list[ContactPhone]
    urls: list[ContactUrl]
    name: ContactName | None = None
    org: ContactOrg | None = None


class ContactAttachment(BaseModel):
    type: Literal["CONTACT"]
    contactProfile: ContactProfile


class UnsupportedContentAttachment(BaseModel):
    type: Literal["UNSUPPORTED_CONTENT"]


class MessageHeaderAttachment(BaseModel):
    type: Literal["MESSAGE_HEADER"]
    text: str | None = None
    fileId: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class QuickReply(BaseModel):
    value: str
    valueType: Literal["TEXT", "URL"]
    label: str | None = None


class QuickRepliesAttachment(BaseModel):
    type: Literal["QUICK_REPLIES"]
    quickReplies: list[QuickReply]
    allowMultiSelect: bool = False
    allowUserInput: bool = False


class SocialMetadata(BaseModel):
    mediaType: Literal[
        "ARTICLE",
        "AUDIO",
        "CAROUSEL",
        "DOCUMENT",
        "GIF",
        "LINK",
        "NONE",
        "PHOTO",
        "POLL",
        "STORY",
        "VIDEO",
    ]
    id: str | None = None
    description: str | None = None
    mediaTitle: str | None = None
    mediaUrl: str | None = None
    mediaUrlString: str | None = None
    thumbnailUrl: str | None = None


class SocialMediaMetadataAttachment(BaseModel):
    type: Literal["SOCIAL_MEDIA_METADATA"]
    socialMetadata: SocialMetadata


Attachment = Annotated[
    FileAttachment
    | LocationAttachment
    | ContactAttachment
    | UnsupportedContentAttachment
    | MessageHeaderAttachment
    | QuickRepliesAttachment
    | SocialMediaMetadataAttachment,
    Field(discriminator="type"),
]


class PreResolvedContact(BaseModel):
    contactVid: Id
    contactPropertiesLeadingToMatch: list[str]


class PreResolvedContacts(BaseModel):
    contacts: list[PreResolvedContact]


class PublishRequest(BaseModel):
    """`ChannelIntegrationMessageEgg`."""

    text: str = Field(description="Plain-text body; may be empty when attachments carry it.")
    richText: str | None = Field(default=None, description="HTML; sanitised, never refused.")
    messageDirection: Literal["INCOMING", "OUTGOING"]
    channelAccountId: Id
    integrationThreadId: Key | None = Field(
        default=None, description="Required on INTEGRATION_THREAD_ID channels."
    )
    integrationIdempotencyId: Key | None = Field(
        default=None,
        description="A repeat returns the message stored first (201) and changes nothing.",
    )
    senders: list[Participant]
    recipients: list[Participant]
    attachments: list[Attachment]
    timestamp: datetime
    inReplyToId: str | None = Field(default=None, max_length=64)
    associateWithContactId: Id | None = Field(
        default=None, description="Make this contact the conversation's contact."
    )
    preResolvedContacts: PreResolvedContacts | None = Field(
        default=None,
        description="Without associateWithContactId, the first contact is used like it.",
    )
