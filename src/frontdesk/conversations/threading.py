"""Which thread an inbound message lands in (DESIGN 3, 4; reference 5.4).

A ThreadKey (channel account, key kind, key) points at the thread currently answering to it:
`INTEGRATION_THREAD_ID` channels key by the bridge's `integrationThreadId`,
`DELIVERY_IDENTIFIER` channels by the external party's normalised identifier. The key is unique,
so concurrent first messages share one thread: each creates a thread, inserts the key with
ON CONFLICT DO NOTHING, and the losers delete their thread and use the winner's. A CLOSED
thread is reopened or replaced (a new thread takes over the key) as the channel account's
closed-thread policy says; an archived thread is never reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from frontdesk.conversations.events import ConversationCreated, ConversationUpdated
from frontdesk.conversations.models import Thread, ThreadIntegrationId, ThreadKey
from frontdesk.core.db import Prepared, UnitOfWork, insert_or_ignore
from frontdesk.core.errors import validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import now_ms
from frontdesk.helpdesk import service as helpdesk_service

INTEGRATION_THREAD_ID = "INTEGRATION_THREAD_ID"
DELIVERY_IDENTIFIER = "DELIVERY_IDENTIFIER"
REOPEN = "REOPEN"
NEW_THREAD = "NEW_THREAD"

_FIND_KEY = (
    select(
        ThreadKey.id.label("key_id"),
        ThreadKey.thread_id,
        Thread.inbox_id,
        Thread.contact_id,
        Thread.status,
        Thread.archived,
        Thread.assignee_id,
    )
    .join(Thread, Thread.id == ThreadKey.thread_id)
    .where(
        ThreadKey.channel_account_id == bindparam("account_id"),
        ThreadKey.key_kind == bindparam("kind"),
        ThreadKey.key == bindparam("key"),
    )
)
# Serialises take-overs of one key on PostgreSQL (SQLite has one writer and renders no lock).
_LOCK_KEY = _FIND_KEY.with_for_update(of=ThreadKey)
# Prepared: a new conversation runs them on the publish path.
_INSERT_KEY = {
    dialect: Prepared(
        insert_or_ignore(
            dialect, ThreadKey, conflict=("channel_account_id", "key_kind", "key")
        ).returning(ThreadKey.id),
        column_keys=("channel_account_id", "key_kind", "key", "thread_id"),
    )
    for dialect in ("sqlite", "postgresql")
}
_THREAD_COLUMNS = (
    "inbox_id",
    "channel_id",
    "channel_account_id",
    "contact_id",
    "status",
    "properties",
    "spam",
    "archived",
    "created_at",
    "updated_at",
    "latest_message_at",
    "latest_received_at",
    "latest_sent_at",
)
_INSERT_THREAD = Prepared(insert(Thread).returning(Thread.id), column_keys=_THREAD_COLUMNS)
_INSERT_INTEGRATION_ID = {
    dialect: Prepared(
        insert_or_ignore(
            dialect, ThreadIntegrationId, conflict=("thread_id", "integration_thread_id")
        ),
        column_keys=("thread_id", "integration_thread_id"),
    )
    for dialect in ("sqlite", "postgresql")
}


@dataclass(frozen=True)
class AccountRouting:
    """What threading needs of the channel account a message arrived on."""

    id: int
    channel_id: int
    inbox_id: int
    closed_thread_policy: str
    default_properties: dict[str, Any]


@dataclass(frozen=True)
class KeyRow:
    """A thread key with the state of the thread it points at."""

    key_id: int
    thread_id: int
    inbox_id: int
    contact_id: int
    status: str
    archived: bool
    assignee_id: int | None = None


@dataclass(frozen=True)
class ThreadRef:
    id: int
    inbox_id: int
    contact_id: int
    created: bool = False
    assignee_id: int | None = None


def thread_key(
    threading_model: str,
    *,
    integration_thread_id: str | None,
    identifier_type: str,
    identifier: str,
) -> tuple[str, str]:
    """The (key kind, key) of a message; 400 when an integration-threaded channel's message
    carries no integrationThreadId."""
    if threading_model == DELIVERY_IDENTIFIER:
        return DELIVERY_IDENTIFIER, f"{identifier_type}:{identifier}"
    if integration_thread_id is None:
        raise validation_error(
            "integrationThreadId is required on channels with threadingModel INTEGRATION_THREAD_ID",
            field_name="integrationThreadId",
        )
    return INTEGRATION_THREAD_ID, integration_thread_id


async def find_key(
    uow: UnitOfWork, *, account_id: int, key_kind: str, key: str, lock: bool = False
) -> KeyRow | None:
    """The key's row with its thread's state; `lock` holds the key row until commit."""
    params = {"account_id": account_id, "kind": key_kind, "key": key}
    row = (await uow.execute(_LOCK_KEY if lock else _FIND_KEY, params)).first()
    return None if row is None else KeyRow(**row._mapping)


async def resolve_thread(
    uow: UnitOfWork,
    *,
    account: AccountRouting,
    key_kind: str,
    key: str,
    contact_id: int,
    integration_thread_id: str | None,
    latest: dict[str, int],
) -> ThreadRef:
    """The thread answering to the key, reopened or replaced when closed, created when new.
    `latest` holds the timestamp columns a new thread starts with."""
    found = await find_key(uow, account_id=account.id, key_kind=key_kind, key=key)
    return await resolve_found_thread(
        uow,
        found=found,
        account=account,
        key_kind=key_kind,
        key=key,
        contact_id=contact_id,
        integration_thread_id=integration_thread_id,
        latest=latest,
    )


async def resolve_found_thread(
    uow: UnitOfWork,
    *,
    found: KeyRow | None,
    account: AccountRouting,
    key_kind: str,
    key: str,
    contact_id: int,
    integration_thread_id: str | None,
    latest: dict[str, int],
) -> ThreadRef:
    """`resolve_thread` for a caller that has read the key already (`found`; None: absent),
    as the publish path does in its first statement."""
    target = _Target(account, key_kind, key, contact_id, latest)
    thread = await _resolve(uow, found, target)
    if integration_thread_id is not None and (thread.created or key_kind != INTEGRATION_THREAD_ID):
        # An integration-keyed thread recorded its id when it was created or took the key.
        await uow.run(
            _INSERT_INTEGRATION_ID[uow.dialect],
            {"thread_id": thread.id, "integration_thread_id": integration_thread_id},
        )
    return thread


@dataclass(frozen=True)
class _Target:
    """Where a message goes and what a thread created for it starts with."""

    account: AccountRouting
    key_kind: str
    key: str
    contact_id: int
    latest: dict[str, int]

    async def find(self, uow: UnitOfWork, *, lock: bool = False) -> KeyRow | None:
        return await find_key(
            uow, account_id=self.account.id, key_kind=self.key_kind, key=self.key, lock=lock
        )


async def _resolve(uow: UnitOfWork, row: KeyRow | None, target: _Target) -> ThreadRef:
    policy = target.account.closed_thread_policy
    if row is None:
        created = await _create_for_new_key(uow, target)
        if created is not None:
            return created
        # Lost the race for the key; its insert waited for the winner's commit.
        row = await target.find(uow)
        assert row is not None, "a conflicting thread key must be visible once committed"
    if _usable(row, policy):
        return await _continue(uow, row)
    # Closed under NEW_THREAD, or archived: lock the key, then look again.
    row = await target.find(uow, lock=True)
    if row is None:  # the key vanished meanwhile (a purge): start afresh
        return await _resolve(uow, None, target)
    if _usable(row, policy):
        return await _continue(uow, row)  # another transaction took the key over meanwhile
    return await _take_over_key(uow, row, target)


def _usable(row: KeyRow, policy: str) -> bool:
    if row.archived:
        return False
    return row.status == "OPEN" or policy != NEW_THREAD


async def _continue(uow: UnitOfWork, row: KeyRow) -> ThreadRef:
    if row.status != "OPEN":
        await reopen_thread(uow, thread_id=row.thread_id, inbox_id=row.inbox_id)
    return ThreadRef(row.thread_id, row.inbox_id, row.contact_id, assignee_id=row.assignee_id)


async def reopen_thread(uow: UnitOfWork, *, thread_id: int, inbox_id: int) -> None:
    """Reopen a CLOSED thread; only the transaction that changes it emits the event."""
    result = await uow.execute(
        update(Thread)
        .where(Thread.id == thread_id, Thread.status == "CLOSED")
        .values(status="OPEN", closed_at=None, updated_at=now_ms())
    )
    if result.rowcount:  # type: ignore[attr-defined]
        uow.emit(
            ConversationUpdated(
                thread_id=thread_id,
                inbox_id=inbox_id,
                changes={"status": "OPEN"},
                audience=Audience(inbox_id=inbox_id),
            )
        )
        await helpdesk_service.apply_ticket_rule(uow, thread_id=thread_id, happened="reopened")


async def _create_for_new_key(uow: UnitOfWork, target: _Target) -> ThreadRef | None:
    thread_id = await _insert_thread(uow, target)
    key_values = {
        "channel_account_id": target.account.id,
        "key_kind": target.key_kind,
        "key": target.key,
        "thread_id": thread_id,
    }
    if not await uow.fetch(_INSERT_KEY[uow.dialect], key_values):
        await uow.execute(delete(Thread).where(Thread.id == thread_id))
        return None
    await helpdesk_service.apply_ticket_rule(uow, thread_id=thread_id, happened="created")
    return _created(uow, target, thread_id=thread_id)


async def _take_over_key(uow: UnitOfWork, row: KeyRow, target: _Target) -> ThreadRef:
    thread_id = await _insert_thread(uow, target)
    await uow.execute(
        update(ThreadKey).where(ThreadKey.id == row.key_id).values(thread_id=thread_id)
    )
    await helpdesk_service.apply_ticket_rule(uow, thread_id=thread_id, happened="created")
    return _created(uow, target, thread_id=thread_id)


async def _insert_thread(uow: UnitOfWork, target: _Target) -> int:
    account = target.account
    now = now_ms()
    values: dict[str, Any] = {  # every key of _THREAD_COLUMNS
        "latest_message_at": None,
        "latest_received_at": None,
        "latest_sent_at": None,
        "inbox_id": account.inbox_id,
        "channel_id": account.channel_id,
        "channel_account_id": account.id,
        "contact_id": target.contact_id,
        "status": "OPEN",
        "properties": dict(account.default_properties or {}),
        "spam": False,
        "archived": False,
        "created_at": now,
        "updated_at": now,
        **target.latest,
    }
    (row,) = await uow.fetch(_INSERT_THREAD, values)
    return int(row.id)


def _created(uow: UnitOfWork, target: _Target, *, thread_id: int) -> ThreadRef:
    account = target.account
    uow.emit(
        ConversationCreated(
            thread_id=thread_id,
            inbox_id=account.inbox_id,
            channel_id=account.channel_id,
            channel_account_id=account.id,
            contact_id=target.contact_id,
            audience=Audience(inbox_id=account.inbox_id),
        )
    )
    return ThreadRef(thread_id, account.inbox_id, target.contact_id, created=True)


async def set_thread_contact(uow: UnitOfWork, *, thread: ThreadRef, contact_id: int) -> ThreadRef:
    """Make `contact_id` the thread's contact (associateWithContactId)."""
    if thread.contact_id == contact_id:
        return thread
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(contact_id=contact_id, updated_at=now_ms())
    )
    uow.emit(
        ConversationUpdated(
            thread_id=thread.id,
            inbox_id=thread.inbox_id,
            changes={"associatedContactId": str(contact_id)},
            audience=Audience(inbox_id=thread.inbox_id),
        )
    )
    return ThreadRef(thread.id, thread.inbox_id, contact_id, thread.created, thread.assignee_id)
