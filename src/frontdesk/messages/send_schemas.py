"""Request bodies of "send a message or comment" (reference 7.5) and who sends it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from frontdesk.contacts.schemas import PublicDeliveryIdentifier
from frontdesk.messages.publish_schemas import (
    QuickRepliesAttachment,
    SocialMediaMetadataAttachment,
)


def _id_as_string(value: Any) -> Any:
    # IDs are strings in HubSpot's JSON, but clients often send numbers: accept both.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


StrId = Annotated[str, BeforeValidator(_id_as_string)]


class RecipientEgg(BaseModel):
    """`PublicRecipientEgg`: the legacy plural `deliveryIdentifiers` stays required
    (reference 13.7); the singular, when given, wins."""

    deliveryIdentifiers: list[PublicDeliveryIdentifier]
    deliveryIdentifier: PublicDeliveryIdentifier | None = None
    actorId: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=300)
    recipientField: str | None = Field(default=None, max_length=32)


class FileAttachmentEgg(BaseModel):
    type: Literal["FILE"]
    fileId: StrId


OutgoingAttachment = FileAttachmentEgg | QuickRepliesAttachment | SocialMediaMetadataAttachment
AttachmentEgg = Annotated[OutgoingAttachment, Field(discriminator="type")]


class MessageEgg(BaseModel):
    """A reply delivered over the thread's channel (`PublicConversationsMessageEgg`)."""

    type: Literal["MESSAGE"]
    text: str
    richText: str | None = None
    subject: str | None = Field(default=None, max_length=1000)
    senderActorId: str = Field(max_length=64)
    channelId: StrId
    channelAccountId: StrId
    recipients: list[RecipientEgg] = Field(default_factory=list)
    attachments: list[AttachmentEgg]


class CommentEgg(BaseModel):
    """An internal note only agents see (`PublicCommentEgg`)."""

    type: Literal["COMMENT"]
    text: str
    richText: str | None = None
    attachments: list[AttachmentEgg]
    mentions: list[StrId] = Field(
        default_factory=list,
        description="User ids of the teammates the comment @mentions (active users who see "
        "the thread's inbox; any other id refuses the comment with a 400). Each is notified.",
    )


SendEgg = Annotated[MessageEgg | CommentEgg, Field(discriminator="type")]


@dataclass(frozen=True)
class Caller:
    """Who sends: a user (personal token) or an app, and the inboxes it sees (None: all)."""

    inbox_ids: frozenset[int] | None
    user_id: int | None = None
    app_id: int | None = None
