"""Request bodies of the email and call actions, and the call's vocabulary."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CallOutcome = Literal["CONNECTED", "NO_ANSWER", "BUSY", "LEFT_VOICEMAIL", "WRONG_NUMBER"]
CALL_OUTCOMES: dict[str, str] = {
    "CONNECTED": "Connected",
    "NO_ANSWER": "No answer",
    "BUSY": "Busy",
    "LEFT_VOICEMAIL": "Left voicemail",
    "WRONG_NUMBER": "Wrong number",
}
MAX_CALL_SECONDS = 24 * 3600
MAX_NOTES_CHARS = 10_000
MAX_EMAIL_TEXT_CHARS = 65_536
MAX_EMAIL_HTML_CHARS = 262_144


class EmailEgg(BaseModel):
    """An email reply to the thread's contact; `richText` is sanitised, `text` (the plain
    alternative) is derived from it when absent."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=3, max_length=320, description="One of the contact's addresses.")
    subject: str = Field(min_length=1, max_length=1000)
    text: str | None = Field(default=None, max_length=MAX_EMAIL_TEXT_CHARS)
    richText: str | None = Field(default=None, max_length=MAX_EMAIL_HTML_CHARS)
    senderActorId: str | None = Field(
        default=None, max_length=64, description="A-<userId>; required with an app's token."
    )


class CallEgg(BaseModel):
    """A call with the contact, logged by an agent."""

    model_config = ConfigDict(extra="forbid")

    outcome: CallOutcome
    durationSeconds: int = Field(default=0, ge=0, le=MAX_CALL_SECONDS)
    notes: str = Field(default="", max_length=MAX_NOTES_CHARS)
    senderActorId: str | None = Field(
        default=None, max_length=64, description="A-<userId>; required with an app's token."
    )
