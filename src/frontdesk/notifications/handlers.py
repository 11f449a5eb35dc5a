"""In-transaction handlers (DESIGN 6): new messages and conversations become notifications.

* `message.created`, an INCOMING customer message in a thread with an assignee: a notification
  for the assignee, if they are active, still see the thread's inbox, and want it.
* `conversation.created` for a thread without an assignee at that moment: one for every active
  member of a team of the thread's inbox who wants it. Admins see every inbox, but only those
  who are members of such a team are notified: a workspace's admins are not all on duty for
  every inbox.

`message.created` fires for every published message, so its handler returns without a query
unless the event names an assignee (the publish path reads it with the thread key, at no extra
cost), and then costs one indexed query when no notification is due. A new conversation's
first message never names an assignee (the thread was created unassigned in the same
transaction), so the conversation notification is the only one it brings.

* `conversation.assigned` to a user by someone else (a teammate, automatic assignment, an
  integration): a notification for that user if they are active, see the inbox and want it.

* `message.created` of a COMMENT whose `extra.mentions` names teammates (messages/mentions.py
  checked they may be mentioned): a MENTION notification for each who is still active, sees
  the inbox and wants it; never for the comment's author.

Routing assigns a new thread in its own `conversation.created` handler, wired before these:
the conversation handler reads the assignee when it runs, so a routed thread brings its
assignee the assignment notification instead of the team the unassigned one.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, true
from sqlalchemy.orm import Mapped

from frontdesk.accounts.models import InboxTeam, TeamMember, User
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact
from frontdesk.conversations.events import ConversationAssigned, ConversationCreated
from frontdesk.conversations.models import Thread
from frontdesk.conversations.schemas import agent_actor_id
from frontdesk.core.db import Prepared, UnitOfWork
from frontdesk.core.events import Event, EventBus
from frontdesk.messages.events import MessageCreated
from frontdesk.messages.mentions import mentioned_user_ids
from frontdesk.messages.models import Message
from frontdesk.notifications import service as notification_service
from frontdesk.notifications.models import (
    CONVERSATION_ASSIGNED,
    MENTION,
    NEW_MESSAGE_ASSIGNED,
    NEW_UNASSIGNED_CONVERSATION,
    NotificationSettings,
)

UNKNOWN_CONTACT = "Unknown contact"
NO_TEXT_MESSAGE = "New message"  # an attachment without text
NO_TEXT_CONVERSATION = "New conversation"
ASSIGNED_TO_YOU = "Assigned to you"


def _wants(switch: Mapped[bool]) -> ColumnElement[bool]:
    """The user's settings allow it: no settings row (defaults), or both switches on."""
    return or_(
        NotificationSettings.user_id.is_(None),
        and_(NotificationSettings.enabled == true(), switch == true()),
    )


_TITLE_COLUMNS = (
    Contact.name.label("contact_name"),
    Contact.email.label("contact_email"),
    Contact.phone.label("contact_phone"),
    Channel.name.label("channel_name"),
)


def _user_due(switch: Mapped[bool]) -> Any:
    """A row (the title columns and the thread's latest message) only when the user, active
    and still seeing the thread's inbox, wants notifications of `switch`'s kind."""
    return (
        select(*_TITLE_COLUMNS, Thread.last_message_id)
        .select_from(User)
        .join(Thread, Thread.id == bindparam("thread_id"))
        .join(Contact, Contact.id == Thread.contact_id)
        .join(Channel, Channel.id == Thread.channel_id)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            User.active == true(),
            or_(
                User.role == "admin",
                exists().where(
                    InboxTeam.inbox_id == Thread.inbox_id,
                    TeamMember.team_id == InboxTeam.team_id,
                    TeamMember.user_id == User.id,
                ),
            ),
            _wants(switch),
        )
    )


# Built once: the message one runs on the hot path.
_ASSIGNEE_DUE = Prepared(_user_due(NotificationSettings.new_message_assigned))
_ASSIGNED_DUE = _user_due(NotificationSettings.conversation_assigned)
_MENTION_DUE = _user_due(NotificationSettings.mention)
_COMMENT = select(Message.extra, Message.created_by, Message.senders, Message.text).where(
    Message.id == bindparam("message_id")
)

# The inbox's team members who should hear of a new unassigned conversation.
# Prepared: every new conversation, and every message to an assigned one, reads them.
_CONVERSATION_DUE = Prepared(
    select(User.id.label("user_id"), *_TITLE_COLUMNS)
    .select_from(Thread)
    .join(Contact, Contact.id == Thread.contact_id)
    .join(Channel, Channel.id == Thread.channel_id)
    .join(InboxTeam, InboxTeam.inbox_id == Thread.inbox_id)
    .join(TeamMember, TeamMember.team_id == InboxTeam.team_id)
    .join(User, User.id == TeamMember.user_id)
    .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
    .where(
        Thread.id == bindparam("thread_id"),
        Thread.assignee_id.is_(None),
        User.active == true(),
        _wants(NotificationSettings.new_unassigned_conversation),
    )
    .distinct()  # a member of two of the inbox's teams
    .order_by(User.id)
)
_FIRST_MESSAGE = Prepared(
    select(Message.id, Message.text)
    .where(Message.thread_id == bindparam("thread_id"))
    .order_by(Message.id)
    .limit(1)
)


def _title(row: Any) -> str:
    """The contact's name (or address) and the channel: "Ada Lovelace · WhatsApp"."""
    contact = row.contact_name or row.contact_email or row.contact_phone or UNKNOWN_CONTACT
    return f"{contact} · {row.channel_name}"


async def on_message_created(uow: UnitOfWork, event: Event) -> None:
    """Tell the assignee of a new customer message."""
    assert isinstance(event, MessageCreated)
    if event.assignee_id is None or event.direction != "INCOMING" or event.type != "MESSAGE":
        return
    params = {"thread_id": event.thread_id, "user_id": event.assignee_id}
    row = await uow.fetch_first(_ASSIGNEE_DUE, params)
    if row is None:
        return
    notification = notification_service.NewNotification(
        kind=NEW_MESSAGE_ASSIGNED,
        thread_id=event.thread_id,
        message_id=event.message_id,
        inbox_id=event.inbox_id,
        title=_title(row),
        body=event.preview or NO_TEXT_MESSAGE,
    )
    await notification_service.create_notifications(
        uow, user_ids=[event.assignee_id], notification=notification
    )


async def on_conversation_created(uow: UnitOfWork, event: Event) -> None:
    """Tell the inbox's team members of a new conversation nobody owns."""
    assert isinstance(event, ConversationCreated)
    rows = await uow.fetch(_CONVERSATION_DUE, {"thread_id": event.thread_id})
    if not rows:
        return
    # Handlers run before commit, after the service's statements: the first message is in.
    first = await uow.fetch_first(_FIRST_MESSAGE, {"thread_id": event.thread_id})
    notification = notification_service.NewNotification(
        kind=NEW_UNASSIGNED_CONVERSATION,
        thread_id=event.thread_id,
        message_id=None if first is None else first.id,
        inbox_id=event.inbox_id,
        title=_title(rows[0]),
        body=(first.text if first is not None else "") or NO_TEXT_CONVERSATION,
    )
    await notification_service.create_notifications(
        uow, user_ids=[r.user_id for r in rows], notification=notification
    )


async def on_conversation_assigned(uow: UnitOfWork, event: Event) -> None:
    """Tell a user that someone else (a teammate, automatic assignment, an integration) gave
    them a conversation; taking one yourself brings nothing."""
    assert isinstance(event, ConversationAssigned)
    user_id = event.assignee_id
    if user_id is None or event.actor_id == agent_actor_id(user_id):
        return
    row = (
        await uow.execute(_ASSIGNED_DUE, {"thread_id": event.thread_id, "user_id": user_id})
    ).first()
    if row is None:
        return
    notification = notification_service.NewNotification(
        kind=CONVERSATION_ASSIGNED,
        thread_id=event.thread_id,
        message_id=row.last_message_id,
        inbox_id=event.inbox_id,
        title=_title(row),
        body=await _assigned_body(uow, event),
    )
    await notification_service.create_notifications(
        uow, user_ids=[user_id], notification=notification
    )


async def on_comment_created(uow: UnitOfWork, event: Event) -> None:
    """Tell each teammate an internal comment @mentions (not its author) who is active, still
    sees the thread's inbox and wants it; the comment stored its mentions in `extra`."""
    assert isinstance(event, MessageCreated)
    if event.type != "COMMENT":
        return
    comment = (await uow.execute(_COMMENT, {"message_id": event.message_id})).first()
    user_ids = mentioned_user_ids(comment.extra if comment is not None else None)
    if comment is None or not user_ids:
        return
    author = comment.created_by
    due: list[int] = []
    title_row = None
    for user_id in user_ids:
        if agent_actor_id(user_id) == author:
            continue
        row = (
            await uow.execute(_MENTION_DUE, {"thread_id": event.thread_id, "user_id": user_id})
        ).first()
        if row is not None:
            due.append(user_id)
            title_row = row
    if not due or title_row is None:
        return
    senders = comment.senders or [{}]
    name = str(senders[0].get("name") or "A teammate")
    notification = notification_service.NewNotification(
        kind=MENTION,
        thread_id=event.thread_id,
        message_id=event.message_id,
        inbox_id=event.inbox_id,
        title=f"{name} mentioned you · {_title(title_row)}",
        body=comment.text or NO_TEXT_MESSAGE,
    )
    await notification_service.create_notifications(uow, user_ids=due, notification=notification)


async def _assigned_body(uow: UnitOfWork, event: ConversationAssigned) -> str:
    """Who gave it: a teammate by name; routing and integrations by their stored reason."""
    actor = event.actor_id or ""
    if actor.startswith("A-") and actor[2:].isdigit():
        name = await uow.scalar(select(User.name).where(User.id == int(actor[2:])))
        if name:
            return f"{name} assigned this conversation to you"
    return event.reason or ASSIGNED_TO_YOU


_wired: weakref.WeakSet[EventBus] = weakref.WeakSet()


def register_handlers(bus: EventBus) -> None:
    """Create notifications from `bus`'s events; registering twice on one bus is a no-op."""
    if bus in _wired:
        return
    _wired.add(bus)
    bus.on(MessageCreated, on_message_created)
    bus.on(MessageCreated, on_comment_created)
    bus.on(ConversationCreated, on_conversation_created)
    bus.on(ConversationAssigned, on_conversation_assigned)
