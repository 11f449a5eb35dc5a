"""The open conversation and its sidebar (issue 4): everything `_thread.html` and
`_sidebar.html` show, read in a handful of queries (the benchmark's budget is 50 ms at p95 for
a 200-message conversation among a million messages).

One read of the thread with its inbox, channel, account, contact, assignee and contact owner;
then the newest page of messages, their files, the contact's identities and other threads, and
the users who may own the thread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from frontdesk.accounts.models import Inbox, InboxTeam, TeamMember, User
from frontdesk.api.deps import Principal
from frontdesk.channels.capabilities import effective_capabilities
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.config import Settings
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.errors import NotFound
from frontdesk.core.humanize import clock_duration
from frontdesk.files.models import File
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.library import links as library_links
from frontdesk.messages.mentions import comment_html
from frontdesk.messages.models import EMAIL_CHANNEL_ID, Message
from frontdesk.outreach import schemas as outreach_schemas
from frontdesk.outreach import service as outreach_service
from frontdesk.web import thread_views as views
from frontdesk.web.thread_views import MessageView

PAGE_SIZE = 200
_ACTOR = re.compile(r"\b[AIV]-[0-9]{1,18}\b")
PREVIOUS_THREADS = 10

Assignee = aliased(User, name="assignee")
Owner = aliased(User, name="owner")
_THREAD = (
    select(
        Thread,
        Inbox.name.label("inbox_name"),
        Channel.name.label("channel_name"),
        Channel.archived.label("channel_archived"),
        Channel.capabilities.label("capabilities"),
        Channel.logo_url.label("channel_logo_url"),
        ChannelAccount.name.label("account_name"),
        ChannelAccount.active.label("account_active"),
        ChannelAccount.archived.label("account_archived"),
        ChannelAccount.authorized.label("account_authorized"),
        Contact.name.label("contact_name"),
        Contact.email.label("contact_email"),
        Contact.phone.label("contact_phone"),
        Contact.owner_id.label("contact_owner_id"),
        Assignee.name.label("assignee_name"),
        Assignee.email.label("assignee_email"),
        Owner.name.label("owner_name"),
        Owner.email.label("owner_email"),
    )
    .join(Inbox, Inbox.id == Thread.inbox_id)
    .join(Channel, Channel.id == Thread.channel_id)
    .join(ChannelAccount, ChannelAccount.id == Thread.channel_account_id)
    .join(Contact, Contact.id == Thread.contact_id)
    .outerjoin(Assignee, Assignee.id == Thread.assignee_id)
    .outerjoin(Owner, Owner.id == Contact.owner_id)
)
_MESSAGE_COLUMNS = (
    Message.id,
    Message.type,
    Message.direction,
    Message.senders,
    Message.text,
    Message.rich_text,
    Message.attachments,
    Message.status,
    Message.failure_message,
    Message.created_by,
    Message.created_at,
    Message.extra,
    # Read by the email and call cards (issue 7).
    Message.channel_id,
    Message.channel_account_id,
    Message.subject,
    Message.recipients,
)


@dataclass(frozen=True)
class _Names:
    """Display names of the people and apps a page of messages mentions."""

    users: dict[int, str]
    contact: str

    def actor(self, actor_id: str | None) -> str:
        if not actor_id:
            return "Someone"
        kind, _, rest = actor_id.partition("-")
        if kind == "A" and rest.isdigit():
            return self.users.get(int(rest), f"Agent {rest}")
        if kind == "V":
            return self.contact
        if kind == "I":
            return "an integration"
        return "Frontdesk"


async def thread_context(
    db: Database,
    *,
    principal: Principal,
    settings: Settings,
    thread_id: int,
    zone: tzinfo = views.UTC_ZONE,
    focus_message_id: int | None = None,
) -> dict[str, Any]:
    """Everything the conversation pane and the sidebar show; 404 when the principal may not
    see the thread (another team's inbox, or no such thread). `focus_message_id` (a search
    result) is kept only if it is a message of this thread: the page scrolls to it."""
    async with db.read() as uow:
        row = await _visible_thread(uow, principal=principal, thread_id=thread_id)
        focus = await _message_of_thread(uow, thread_id=thread_id, message_id=focus_message_id)
        assignees = await _assignable_users(uow, inbox_id=row.inbox_id)
        page, has_older = await _message_page(uow, thread_id=thread_id, before=None)
        files = await _files(uow, page)
        names = await _names(
            uow, page, assignees, contact=_contact_name(row), also=_ACTOR.findall(reason_of(row))
        )
        identities = (
            await uow.execute(
                select(ContactIdentity.type, ContactIdentity.value)
                .where(ContactIdentity.contact_id == row.contact_id)
                .order_by(ContactIdentity.id)
            )
        ).all()
        previous = await _previous_threads(uow, row=row, principal=principal)
        owner_choices = await _owner_choices(uow, owner_id=row.contact_owner_id)
        shared_links = await library_links.thread_links(uow, thread_id=row.id)
        ticket = await helpdesk_service.ticket_card(uow, thread=row)
        channel_switch = await outreach_service.channel_switch(
            uow,
            thread_id=row.id,
            contact_id=row.contact_id,
            channel_name=row.channel_name,
            workspace_name=row.inbox_name,
            smtp_configured=bool(settings.smtp_host),
        )
    messages = [_message(m, files, names, principal, zone) for m in page]
    return {
        "thread": _thread(row, names),
        "contact": _contact(row, identities),
        "day_groups": views.group_by_day(messages),
        "has_older": has_older,
        "oldest_message_id": messages[0].id if messages else None,
        "previous_threads": previous,
        "shared_links": shared_links,
        "assignees": [{"id": a.id, "name": a.name or a.email} for a in assignees],
        "owner_choices": owner_choices,
        "ticket": ticket,
        "composer": _composer(row, settings),
        "channel_switch": channel_switch,
        "viewer_id": principal.user_id,
        "focus_message_id": focus,
    }


async def message_context(
    db: Database,
    *,
    principal: Principal,
    message_id: int,
    zone: tzinfo = views.UTC_ZONE,
) -> dict[str, Any]:
    """One message of a thread the principal sees (for `_message.html`); 404 otherwise."""
    async with db.read() as uow:
        found = (
            await uow.execute(
                select(*_MESSAGE_COLUMNS, Message.thread_id).where(Message.id == message_id)
            )
        ).first()
        if found is None:
            raise NotFound("Message", message_id)
        row = await _visible_thread(uow, principal=principal, thread_id=found.thread_id)
        files = await _files(uow, [found])
        assignees = await _assignable_users(uow, inbox_id=row.inbox_id)
        names = await _names(uow, [found], assignees, contact=_contact_name(row))
    return {"message": _message(found, files, names, principal, zone)}


async def older_messages_context(
    db: Database,
    *,
    principal: Principal,
    thread_id: int,
    before: int | None = None,
    after: int | None = None,
    zone: tzinfo = views.UTC_ZONE,
) -> dict[str, Any]:
    """The page of messages before `before` (older, newest page first), or every message
    after `after` (to catch up), for the thread's message list."""
    async with db.read() as uow:
        row = await _visible_thread(uow, principal=principal, thread_id=thread_id)
        if after is not None:
            page, has_older = await _messages_after(uow, thread_id=thread_id, after=after), False
        else:
            page, has_older = await _message_page(uow, thread_id=thread_id, before=before)
        files = await _files(uow, page)
        assignees = await _assignable_users(uow, inbox_id=row.inbox_id)
        names = await _names(uow, page, assignees, contact=_contact_name(row))
    messages = [_message(m, files, names, principal, zone) for m in page]
    return {
        "day_groups": views.group_by_day(messages),
        "has_older": has_older,
        "oldest_message_id": messages[0].id if messages else None,
        "thread": {"id": thread_id},
    }


# --- reads -----------------------------------------------------------------------------------


async def _visible_thread(uow: UnitOfWork, *, principal: Principal, thread_id: int) -> Any:
    row = (await uow.execute(_THREAD.where(Thread.id == thread_id))).first()
    if row is None or not principal.sees_inbox(row.inbox_id):
        raise NotFound("Thread", thread_id)
    return row


async def _message_of_thread(
    uow: UnitOfWork, *, thread_id: int, message_id: int | None
) -> int | None:
    if message_id is None:
        return None
    found = await uow.scalar(select(Message.thread_id).where(Message.id == message_id))
    return message_id if found == thread_id else None


async def _message_page(
    uow: UnitOfWork, *, thread_id: int, before: int | None
) -> tuple[list[Any], bool]:
    """Up to PAGE_SIZE messages, oldest first, ending just before `before` (or the newest)."""
    query = select(*_MESSAGE_COLUMNS).where(Message.thread_id == thread_id)
    if before is not None:
        anchor = (
            await uow.execute(
                select(Message.created_at).where(
                    Message.id == before, Message.thread_id == thread_id
                )
            )
        ).first()
        if anchor is None:
            raise NotFound("Message", before)
        query = query.where(
            or_(
                Message.created_at < anchor.created_at,
                and_(Message.created_at == anchor.created_at, Message.id < before),
            )
        )
    ordered = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(PAGE_SIZE + 1)
    rows = list((await uow.execute(ordered)).all())
    has_older = len(rows) > PAGE_SIZE
    return rows[:PAGE_SIZE][::-1], has_older


async def _messages_after(uow: UnitOfWork, *, thread_id: int, after: int) -> list[Any]:
    """Messages stored after message `after` (by id: what arrived since), oldest first."""
    query = (
        select(*_MESSAGE_COLUMNS)
        .where(Message.thread_id == thread_id, Message.id > after)
        .order_by(Message.created_at, Message.id)
        .limit(PAGE_SIZE)
    )
    return list((await uow.execute(query)).all())


async def _files(uow: UnitOfWork, page: list[Any]) -> dict[int, Any]:
    ids = {
        int(a["fileId"])
        for m in page
        for a in m.attachments or ()
        if a.get("type") == "FILE" and str(a.get("fileId", "")).isdigit()
    }
    if not ids:
        return {}
    rows = await uow.execute(
        select(File.id, File.mime_type, File.size).where(File.id.in_(sorted(ids)))
    )
    return {r.id: r for r in rows}


async def _assignable_users(uow: UnitOfWork, *, inbox_id: int) -> list[Any]:
    """Active users who see the inbox: admins and members of its teams."""
    in_team = exists(
        select(TeamMember.user_id)
        .join(InboxTeam, InboxTeam.team_id == TeamMember.team_id)
        .where(TeamMember.user_id == User.id, InboxTeam.inbox_id == inbox_id)
    )
    query = (
        select(User.id, User.name, User.email)
        .where(User.active.is_(True), or_(User.role == "admin", in_team))
        .order_by(func.lower(User.name), User.id)
    )
    return list((await uow.execute(query)).all())


async def _owner_choices(uow: UnitOfWork, *, owner_id: int | None) -> list[dict[str, Any]]:
    """Who may own a contact: every active user (ownership is not tied to an inbox), plus
    the current owner if deactivated, so the dropdown still shows who it is."""
    query = (
        select(User.id, User.name, User.email, User.active)
        .where(or_(User.active.is_(True), User.id == owner_id))
        .order_by(func.lower(User.name), User.id)
    )
    return [
        {"id": u.id, "name": (u.name or u.email) + ("" if u.active else " (deactivated)")}
        for u in await uow.execute(query)
    ]


async def _names(
    uow: UnitOfWork,
    page: list[Any],
    assignees: list[Any],
    *,
    contact: str,
    also: list[str] | None = None,
) -> _Names:
    """Names of the agents the page mentions (authors and assignment targets), and `also`."""
    users = {a.id: a.name or a.email for a in assignees}
    wanted: set[int] = set()
    actors = [a for m in page for a in (m.created_by, (m.extra or {}).get("assignedTo"))]
    for actor in [*actors, *(also or ())]:
        if isinstance(actor, str) and actor.startswith("A-") and actor[2:].isdigit():
            wanted.add(int(actor[2:]))
    missing = sorted(wanted - users.keys())
    if missing:
        rows = await uow.execute(select(User.id, User.name, User.email).where(User.id.in_(missing)))
        users.update({r.id: r.name or r.email for r in rows})
    return _Names(users, contact)


async def _previous_threads(uow: UnitOfWork, *, row: Any, principal: Principal) -> list[Any]:
    """The contact's other conversations the principal may see, latest activity first."""
    query = (
        select(
            Thread.id,
            Thread.status,
            Thread.last_message_preview,
            func.coalesce(Thread.latest_message_at, Thread.created_at).label("at"),
            Channel.name.label("channel_name"),
        )
        .join(Channel, Channel.id == Thread.channel_id)
        .where(
            Thread.contact_id == row.contact_id,
            Thread.id != row.id,
            Thread.archived.is_(False),
        )
        .order_by(func.coalesce(Thread.latest_message_at, Thread.created_at).desc(), Thread.id)
        .limit(PREVIOUS_THREADS)
    )
    if principal.inbox_ids is not None:
        query = query.where(Thread.inbox_id.in_(sorted(principal.inbox_ids) or [0]))
    return list((await uow.execute(query)).all())


# --- shaping ---------------------------------------------------------------------------------


def _contact_name(row: Any) -> str:
    return str(row.contact_name or row.contact_email or row.contact_phone or "Unknown contact")


def reason_of(row: Any) -> str:
    # Unassigned, a reason says why routing left it so ("Waiting: nobody ... is available").
    return str(row.assignment_reason or "")


def _reason_text(reason: str, names: _Names) -> str:
    """An assignment reason with actor ids turned into names ("Assigned by Grace Hopper")."""
    text = _ACTOR.sub(lambda match: names.actor(match.group(0)), reason).strip()
    return text[:1].upper() + text[1:]


def _thread(row: Any, names: _Names) -> dict[str, Any]:
    properties = sorted((str(k), _property_value(v)) for k, v in (row.properties or {}).items())
    return {
        "id": row.id,
        "status": row.status,
        "archived": row.archived,
        "inbox_id": row.inbox_id,
        "inbox_name": row.inbox_name,
        "channel_id": row.channel_id,
        "channel_name": row.channel_name,
        "channel_logo_url": row.channel_logo_url,
        "account_id": row.channel_account_id,
        "account_name": row.account_name,
        "account_state": _account_state(row),
        "assignee_id": row.assignee_id,
        "assignee_name": row.assignee_name or row.assignee_email,
        "assignment_reason": _reason_text(reason_of(row), names),
        "assigned_at": row.assigned_at,
        "created_at": row.created_at,
        "closed_at": row.closed_at,
        "latest_message_at": row.latest_message_at,
        "properties": properties,
    }


def _property_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _account_state(row: Any) -> str:
    if row.account_archived:
        return "archived"
    if not row.account_active:
        return "deactivated"
    if not row.account_authorized:
        return "unauthorized"
    return "active"


def _contact(row: Any, identities: Sequence[Any]) -> dict[str, Any]:
    pairs = [(views.identity_label(i.type), i.value) for i in identities]
    for label, value in (("E-mail", row.contact_email), ("Phone", row.contact_phone)):
        if value and (label, value) not in pairs:
            pairs.insert(0, (label, value))
    return {
        "id": row.contact_id,
        "name": _contact_name(row),
        "identifiers": pairs,
        "owner_id": row.contact_owner_id,
        "owner_name": row.owner_name or row.owner_email,
    }


def _composer(row: Any, settings: Settings) -> views.ComposerView:
    caps = effective_capabilities(row.capabilities or {})
    channel = _Named(row.channel_name, archived=row.channel_archived)
    account = _Named(
        row.account_name,
        archived=row.account_archived,
        active=row.account_active,
        authorized=row.account_authorized,
    )
    return views.build_composer(
        caps=caps,
        channel_id=row.channel_id,
        account_id=row.channel_account_id,
        reply_blocked=views.reply_blocked_reason(caps=caps, channel=channel, account=account),
        closed_to_all=(
            "This conversation is archived: restore it to reply or comment."
            if row.archived
            else None
        ),
        max_attachments=settings.max_message_attachments,
        max_upload_bytes=settings.max_upload_bytes,
    )


@dataclass(frozen=True)
class _Named:
    name: str
    archived: bool = False
    active: bool = True
    authorized: bool = True


_KINDS = {"COMMENT": "comment", "MESSAGE": "incoming", "CALL": "call"}


def _message(
    m: Any, files: dict[int, Any], names: _Names, principal: Principal, zone: tzinfo
) -> MessageView:
    # One unpacking of the row: attribute access on a Row costs more than the rest (measured).
    (id_, type_, direction, senders, text, rich_text, attachments, status, failure, created_by,
     created_at, extra) = m[:12]  # fmt: skip
    first = senders[0] if senders else {}
    author = first.get("actorId") or created_by
    kind = _KINDS.get(type_, "system")
    if kind == "incoming" and direction == "OUTGOING":
        kind = "outgoing"
    if kind == "system":
        body = escape(_system_text(type_, extra, created_by, names))
        sender = names.actor(created_by)
    else:
        sender = first.get("name") or names.actor(author)
        # Rich text was sanitised when it was stored: only that field is trusted as HTML.
        body = Markup(rich_text) if rich_text else views.plain_text_html(text or "")  # noqa: S704
        if type_ == "COMMENT" and extra:  # @mentions highlighted (messages/mentions.py)
            marked = comment_html(
                text=text or "", rich_text=rich_text, extra=extra, plain=views.plain_text_html
            )
            body = marked or body
    iso, hhmm, day = views.moment(created_at, zone)
    return MessageView(
        id=id_,
        type=type_,
        kind=kind,
        sender=sender,
        body=body,
        status=status if kind == "outgoing" else None,
        failure=failure,
        created_at=created_at,
        iso=iso,
        hhmm=hhmm,
        day=day,
        attachments=tuple(views.attachment_view(a, files) for a in attachments)
        if attachments
        else (),
        mine=author == principal.actor_id if principal.user_id is not None else False,
        card=_card(m, kind),
    )


def _card(m: Any, kind: str) -> views.EmailCard | views.CallCard | None:
    """The email or call card of a message (issue 7), or None for any other."""
    if kind == "call":
        extra = m.extra or {}
        seconds = int(extra.get("durationSeconds") or 0)
        outcome = str(extra.get("outcome") or "")
        return views.CallCard(
            outcome=outcome,
            outcome_label=outreach_schemas.CALL_OUTCOMES.get(outcome, outcome or "Logged"),
            duration=clock_duration(seconds) if seconds else "",
        )
    if kind == "outgoing" and m.channel_id == EMAIL_CHANNEL_ID and m.channel_account_id is None:
        first = (m.recipients or [{}])[0]
        to = str((first.get("deliveryIdentifier") or {}).get("value") or "")
        return views.EmailCard(subject=m.subject or "", to=to)
    return None


def _system_text(type_: str, extra: dict[str, Any] | None, created_by: str, names: _Names) -> str:
    text = _system_sentence(type_, extra or {}, created_by, names)
    return text[:1].upper() + text[1:]


def _system_sentence(type_: str, extra: dict[str, Any], created_by: str, names: _Names) -> str:
    by = names.actor(created_by)
    if type_ == "ASSIGNMENT":
        target = extra.get("assignedTo")
        if not target:
            return f"{by} unassigned the conversation"
        if target == created_by:
            return f"{by} took the conversation"
        return f"{by} assigned the conversation to {names.actor(target)}"
    if type_ == "THREAD_STATUS_CHANGE":
        verb = "closed" if extra.get("newStatus") == "CLOSED" else "reopened"
        return f"{by} {verb} the conversation"
    if type_ == "THREAD_INBOX_CHANGE":
        return f"{by} moved the conversation to another inbox"
    return type_.replace("_", " ").capitalize()
