"""Messages seen by the bridge that published or delivers them (reference 5.6, 5.7).

Delivery status follows DESIGN 3: PENDING -> SENT -> READ; PENDING or SENT -> FAILED; FAILED
-> SENT (or READ) when the bridge retried by itself; READ is final; repeating the current state
changes nothing and emits nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import bindparam, select, update

from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms
from frontdesk.messages.events import MessageStatusChanged
from frontdesk.messages.models import Message

SettableStatus = Literal["SENT", "FAILED", "READ"]
# The states each state may move to (a repeat of the current state is a no-op, not listed).
TRANSITIONS: dict[str, frozenset[str]] = {
    "PENDING": frozenset({"SENT", "FAILED", "READ"}),
    "SENT": frozenset({"READ", "FAILED"}),
    "FAILED": frozenset({"SENT", "READ"}),
    "READ": frozenset(),
}


class FailureDetails(BaseModel):
    model_config = ConfigDict(extra="ignore")

    errorMessage: str | None = None


class HistoricStatus(BaseModel):
    """The 2024 body shape: `{"status": {"statusType", "failureDetails": {...}}}`."""

    model_config = ConfigDict(extra="ignore")

    statusType: SettableStatus
    failureDetails: FailureDetails | None = None


class MessageStatusUpdate(BaseModel):
    """`PublicChannelIntegrationMessageUpdateRequest`, flat; the historic nested shape is
    accepted too."""

    model_config = ConfigDict(extra="ignore")

    statusType: SettableStatus | None = Field(default=None, description="SENT, FAILED or READ.")
    errorMessage: str | None = Field(default=None, max_length=10_000)
    status: HistoricStatus | None = Field(
        default=None, description="Historic shape; use statusType instead."
    )

    def resolved(self) -> tuple[str, str | None]:
        """(statusType, errorMessage) from whichever shape was sent; 400 when neither."""
        if self.statusType is not None:
            return self.statusType, self.errorMessage
        if self.status is not None:
            details = self.status.failureDetails
            return self.status.statusType, details.errorMessage if details else None
        raise validation_error("statusType is required", field_name="statusType")


_DELIVERY_ROW = (
    select(Message.id, Message.thread_id, Message.status, Thread.inbox_id)
    .join(Thread, Thread.id == Message.thread_id)
    .where(Message.id == bindparam("message_id"))
)


def _channel_message(app_id: int, channel_id: int, message_id: int) -> Any:
    return (
        select(Message, Thread.inbox_id.label("inbox_id"))
        .join(Channel, Channel.id == Message.channel_id)
        .join(Thread, Thread.id == Message.thread_id)
        .where(
            Message.id == message_id,
            Message.channel_id == channel_id,
            Channel.app_id == app_id,
            Message.type == "MESSAGE",
        )
    )


async def get_channel_message(
    uow: UnitOfWork, *, app_id: int, channel_id: int, message_id: int, for_update: bool = False
) -> Any:
    """A message of one of the app's channels; 404 for anything else."""
    statement = _channel_message(app_id, channel_id, message_id)
    if for_update:
        statement = statement.with_for_update(of=Message)
    row = (await uow.execute(statement)).first()
    if row is None:
        raise NotFound("Message", message_id)
    return row


async def update_message_status(
    uow: UnitOfWork, *, app_id: int, channel_id: int, message_id: int, data: MessageStatusUpdate
) -> Any:
    """Record the delivery status a bridge reports for an outgoing message."""
    status, error_message = data.resolved()
    row = await get_channel_message(
        uow, app_id=app_id, channel_id=channel_id, message_id=message_id, for_update=True
    )
    if row.direction != "OUTGOING":
        raise validation_error(
            "Only outgoing messages have a delivery status", field_name="statusType"
        )
    current = row.status or "PENDING"
    if status == current:
        return row
    if status not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(f"A {current} message cannot become {status}", field_name="statusType")
    return await write_delivery_status(
        uow, row=row, status=status, failure_message=error_message if status == "FAILED" else None
    )


async def get_delivery_row(uow: UnitOfWork, *, message_id: int) -> Any:
    """A message's id, thread, inbox and delivery status (None when it does not exist)."""
    return (await uow.execute(_DELIVERY_ROW, {"message_id": message_id})).first()


async def write_delivery_status(
    uow: UnitOfWork, *, row: Any, status: str, failure_message: str | None
) -> Any:
    """Store a delivery status on `row` (id, thread_id, inbox_id) and emit
    message.status_changed; the callers decide which transitions are allowed."""
    updated = (
        await uow.execute(
            update(Message)
            .where(Message.id == row.id)
            .values(
                status=status,
                failure_message=failure_message,
                updated_at=now_ms(),
            )
            .returning(*Message.__table__.c)
        )
    ).one()
    uow.emit(
        MessageStatusChanged(
            thread_id=row.thread_id,
            message_id=row.id,
            inbox_id=row.inbox_id,
            status=status,
            error_message=updated.failure_message,
            audience=Audience(inbox_id=row.inbox_id),
        )
    )
    return updated
