"""A custom channel's capabilities (reference 3.3): validated strictly, unknown keys ignored.

Capabilities describe what agents may *send* on the channel; they never reject what a customer
sent (DESIGN 4).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontdesk.core.errors import AppError, ErrorDetail

DeliveryIdentifierType = Literal[
    "HS_EMAIL_ADDRESS", "HS_PHONE_NUMBER", "CHANNEL_SPECIFIC_OPAQUE_ID", "HS_SHORT_CODE"
]
RichTextOption = Literal[
    "BLOCKQUOTE",
    "BOLD",
    "FONT_SIZE",
    "FONT_STYLE",
    "HYPERLINK",
    "ITALIC",
    "LISTS",
    "TEXT_ALIGNMENT",
    "TEXT_HIGHLIGHT_COLOR",
    "TEXT_COLOR",
    "UNDERLINE",
]
ThreadingModel = Literal["INTEGRATION_THREAD_ID", "DELIVERY_IDENTIFIER"]


class Capabilities(BaseModel):
    """Known keys with their defaults when omitted (our choices where the reference is
    UNCONFIRMED: integration threading, plain text, replies allowed, files up to 10 MB)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    deliveryIdentifierTypes: list[DeliveryIdentifierType] = Field(default_factory=list)
    richText: list[RichTextOption] = Field(default_factory=list)
    threadingModel: ThreadingModel = "INTEGRATION_THREAD_ID"
    allowInlineImages: bool = False
    allowOutgoingMessages: bool = True
    allowConversationStart: bool = False
    allowMultipleRecipients: bool = False
    outgoingAttachmentTypes: list[Literal["FILE"]] = Field(default_factory=list)
    allowedFileAttachmentMimeTypes: list[str] | None = None
    maxFileAttachmentCount: int = Field(default=0, ge=0)
    maxFileAttachmentSizeBytes: int = Field(default=10_000_000, ge=0)
    maxTotalFileAttachmentSizeBytes: int | None = Field(default=None, ge=0)

    def allows_mime(self, mime_type: str) -> bool:
        """Whether an outgoing file of this type is allowed (`image/*` wildcards work)."""
        if self.allowedFileAttachmentMimeTypes is None:
            return True
        for allowed in self.allowedFileAttachmentMimeTypes:
            if allowed in ("*/*", mime_type):
                return True
            if allowed.endswith("/*") and mime_type.startswith(allowed[:-1]):
                return True
        return False


def parse_capabilities(raw: Any, *, field_name: str = "capabilities") -> dict[str, Any]:
    """Validate a capabilities object; returns what is stored (the known keys as given)."""
    if not isinstance(raw, dict):
        raise AppError(
            "capabilities must be an object",
            errors=[ErrorDetail("capabilities must be an object", in_=field_name)],
        )
    try:
        parsed = Capabilities.model_validate(raw)
    except ValidationError as exc:
        details = [
            ErrorDetail(
                f"{field_name}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}",
                in_=f"{field_name}.{'.'.join(str(p) for p in e['loc'])}",
            )
            for e in exc.errors()
        ]
        raise AppError("Invalid capabilities", errors=details) from exc
    return parsed.model_dump(exclude_unset=True)


def effective_capabilities(stored: dict[str, Any]) -> Capabilities:
    """The capabilities in force for a stored object: defaults filled in."""
    return Capabilities.model_validate(stored)
