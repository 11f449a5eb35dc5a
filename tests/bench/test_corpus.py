"""The bench corpus (`frontdesk bench corpus`): consistent with what the app writes, and a
function of its seed, on both databases."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select, text

from frontdesk.apps import service as app_service
from frontdesk.bench.corpus import (
    CorpusError,
    CorpusInfo,
    build_corpus,
    ensure_corpus,
    find_corpus,
)
from frontdesk.bench.corpus_plan import (
    ACCOUNTS,
    FEATURED_MESSAGES,
    make_plan,
)
from frontdesk.bench.vocabulary import TextMaker
from frontdesk.channels.models import ChannelAccount
from frontdesk.contacts.identifiers import normalise_phone
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadIntegrationId, ThreadKey, ThreadReadState
from frontdesk.conversations.previews import message_preview
from frontdesk.core.db import Database
from frontdesk.files.models import File
from frontdesk.messages.models import Message, MessageFile
from frontdesk.migrations import migrate
from tests.factories import bearer

THREADS = 200
MESSAGES = 2_000
SEED = 7
END_AT = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest_asyncio.fixture
async def corpus(db: Database, tmp_path: Path) -> CorpusInfo:
    return await build_corpus(
        db,
        threads=THREADS,
        messages=MESSAGES,
        seed=SEED,
        files_dir=tmp_path / "files",
        end_at=END_AT,
    )


async def _all(db: Database, model: Any, order: Any) -> list[Any]:
    async with db.read() as uow:
        return list((await uow.execute(select(model).order_by(*order))).all())


@pytest.mark.asyncio
async def test_the_counts_and_the_200_message_conversation(
    db: Database, corpus: CorpusInfo
) -> None:
    threads = await _all(db, Thread, [Thread.id])
    messages = await _all(db, Message, [Message.id])
    assert len(threads) == THREADS
    assert len(messages) == MESSAGES
    per_thread = Counter(m.thread_id for m in messages)
    assert per_thread[corpus.conversation_thread_id] == FEATURED_MESSAGES
    assert all(per_thread[t.id] >= 1 for t in threads)
    featured = next(t for t in threads if t.id == corpus.conversation_thread_id)
    assert featured.status == "OPEN"
    assert await find_corpus(db) == corpus
    # A mix, as an inbox has: open and closed, assigned and not, replies in every state.
    assert {t.status for t in threads} == {"OPEN", "CLOSED"}
    assert any(t.assignee_id is None for t in threads)
    assert any(t.assignee_id is not None for t in threads)
    kinds = Counter((m.type, m.direction, m.status) for m in messages)
    for kind in (
        ("MESSAGE", "INCOMING", "RECEIVED"),
        ("MESSAGE", "OUTGOING", "READ"),
        ("MESSAGE", "OUTGOING", "SENT"),
        ("COMMENT", None, None),
        ("ASSIGNMENT", None, None),
        ("THREAD_STATUS_CHANGE", None, None),
    ):
        assert kinds[kind] > 0, kind
    assert any(m.has_attachments for m in messages)


@pytest.mark.asyncio
async def test_thread_columns_agree_with_their_messages(db: Database, corpus: CorpusInfo) -> None:
    by_thread: dict[int, list[Any]] = defaultdict(list)
    for message in await _all(db, Message, [Message.id]):
        by_thread[message.thread_id].append(message)
    for thread in await _all(db, Thread, [Thread.id]):
        rows = by_thread[thread.id]
        said = [m for m in rows if m.type in ("MESSAGE", "COMMENT")]
        incoming = [m.created_at for m in rows if m.direction == "INCOMING"]
        outgoing = [m.created_at for m in rows if m.direction == "OUTGOING"]
        assert thread.last_message_id == said[-1].id
        assert thread.last_message_preview == message_preview(text=said[-1].text)
        assert thread.latest_received_at == max(incoming)
        assert thread.latest_sent_at == (max(outgoing) if outgoing else None)
        assert thread.latest_message_at == max(incoming + outgoing)
        assert thread.created_at == rows[0].created_at
        assert rows[0].direction == "INCOMING"  # the customer opens every conversation
        if thread.status == "CLOSED":
            assert rows[-1].type == "THREAD_STATUS_CHANGE"
            assert thread.closed_at == rows[-1].created_at
        if thread.assignee_id is not None:
            assert rows[1].type == "ASSIGNMENT"
            assert rows[1].extra["assignedTo"] == f"A-{thread.assignee_id}"
            assert thread.assigned_at == rows[1].created_at


@pytest.mark.asyncio
async def test_references_hold(db: Database, corpus: CorpusInfo, tmp_path: Path) -> None:
    if db.is_sqlite:  # PostgreSQL checked every foreign key on insert
        async with db.read() as uow:
            assert (await uow.execute(text("PRAGMA foreign_key_check"))).all() == []
    threads = {t.id: t for t in await _all(db, Thread, [Thread.id])}
    messages = await _all(db, Message, [Message.id])
    thread_of = {m.id: m.thread_id for m in messages}
    # Ids grow with time across the corpus, as in a live inbox.
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    for state in await _all(db, ThreadReadState, [ThreadReadState.thread_id]):
        assert thread_of[state.last_read_message_id] == state.thread_id
        assert threads[state.thread_id].assignee_id == state.user_id
    files = {f.id: f for f in await _all(db, File, [File.id])}
    links = {(link.message_id, link.file_id) for link in await _all(db, MessageFile, [])}
    for message in messages:
        for attachment in message.attachments:
            file = files[int(attachment["fileId"])]
            assert (message.id, file.id) in links
            assert attachment["name"] == f"{file.name}.{file.extension}"
            stored = tmp_path / "files" / file.storage_key[:2] / file.storage_key[2:4]
            assert (stored / file.storage_key).stat().st_size == file.size
    assert len(links) == len(files) > 0
    identities = await _all(db, ContactIdentity, [ContactIdentity.id])
    for message in messages:
        if message.direction is None:
            continue
        thread = threads[message.thread_id]
        party = message.senders[0] if message.direction == "INCOMING" else message.recipients[0]
        assert party["actorId"] == f"V-{thread.contact_id}"
        identifier = party["deliveryIdentifier"]
        scope = 0 if identifier["type"] == "HS_PHONE_NUMBER" else thread.channel_id
        assert (thread.contact_id, identifier["type"], identifier["value"], scope) in {
            (i.contact_id, i.type, i.value, i.channel_scope) for i in identities
        }


@pytest.mark.asyncio
async def test_thread_keys_follow_each_channel_s_threading(
    db: Database, corpus: CorpusInfo
) -> None:
    threads = await _all(db, Thread, [Thread.id])
    keys = {k.thread_id: k for k in await _all(db, ThreadKey, [ThreadKey.id])}
    integration = {r.thread_id for r in await _all(db, ThreadIntegrationId, [])}
    sizes = Counter(m.thread_id for m in await _all(db, Message, [Message.id]))
    phone_threads: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for thread in threads:
        if thread.channel_id == corpus.chat_channel_id:
            assert keys[thread.id].key_kind == "INTEGRATION_THREAD_ID"
            assert thread.id in integration
        else:
            phone_threads[(thread.channel_account_id, thread.contact_id)].append(thread)
    for group in phone_threads.values():
        # One key per number: the newest thread holds it; the older ones were closed before.
        newest = max(group, key=lambda t: t.created_at)
        assert keys[newest.id].key_kind == "DELIVERY_IDENTIFIER"
        for older in group:
            if older is not newest:
                assert older.id not in keys
                assert older.latest_message_at < newest.created_at
                # (a lone first message is all an older thread may leave open)
                assert older.status == "CLOSED" or sizes[older.id] == 1
    async with db.read() as uow:
        rows = await uow.execute(select(ChannelAccount.id, ChannelAccount.closed_thread_policy))
        policies = {row.id: row.closed_thread_policy for row in rows}
    assert [policies[a] for a in corpus.account_ids] == [
        "NEW_THREAD" if spec.channel == "phone" else "REOPEN" for spec in ACCOUNTS
    ]


@pytest.mark.asyncio
async def test_a_publish_afterwards_continues_an_existing_conversation(
    db: Database, corpus: CorpusInfo, client: httpx.AsyncClient
) -> None:
    async with db.transaction() as uow:
        token = await app_service.create_token(
            uow, kind="app", app_id=corpus.app_id, scopes=list(app_service.DEFAULT_APP_SCOPES)
        )
    threads = await _all(db, Thread, [Thread.id])
    keys = {k.thread_id: k for k in await _all(db, ThreadKey, [ThreadKey.id])}
    contacts = {c.id: c for c in await _all(db, Contact, [Contact.id])}
    identities = await _all(db, ContactIdentity, [ContactIdentity.id])
    visitor = {i.contact_id: i.value for i in identities if i.channel_scope != 0}
    chat = next(t for t in threads if t.channel_id == corpus.chat_channel_id and t.status == "OPEN")
    phone = next(
        t
        for t in threads
        if t.channel_id == corpus.phone_channel_id and t.status == "OPEN" and t.id in keys
    )
    cases = [
        (chat, "CHANNEL_SPECIFIC_OPAQUE_ID", visitor[chat.contact_id], keys[chat.id].key),
        (phone, "HS_PHONE_NUMBER", contacts[phone.contact_id].phone, None),
    ]
    for n, (thread, kind, value, integration_id) in enumerate(cases):
        body: dict[str, Any] = {
            "text": "Any news on this?",
            "messageDirection": "INCOMING",
            "channelAccountId": str(thread.channel_account_id),
            "integrationIdempotencyId": f"after-corpus-{n}",
            "senders": [{"deliveryIdentifier": {"type": kind, "value": value}}],
            "recipients": [{"deliveryIdentifier": {"type": kind, "value": "business"}}],
            "attachments": [],
            "timestamp": "2026-01-02T10:00:00Z",
        }
        if integration_id is not None:
            body["integrationThreadId"] = integration_id
        response = await client.post(
            f"/conversations/v3/custom-channels/{thread.channel_id}/messages",
            json=body,
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text
        assert response.json()["conversationsThreadId"] == str(thread.id)
    async with db.read() as uow:
        assert len((await uow.execute(select(Thread.id))).all()) == THREADS
        assert len((await uow.execute(select(Contact.id))).all()) == len(contacts)


@pytest.mark.asyncio
async def test_the_same_seed_gives_the_same_corpus_on_any_database(
    db: Database, corpus: CorpusInfo, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    migrate(url)
    again = Database(url, pool_size=1)
    try:
        info = await build_corpus(
            again, threads=THREADS, messages=MESSAGES, seed=SEED, end_at=END_AT
        )
        assert info == corpus
        for model, order in (
            (Contact, [Contact.id]),
            (ContactIdentity, [ContactIdentity.id]),
            (Thread, [Thread.id]),
            (ThreadKey, [ThreadKey.id]),
            (ThreadReadState, [ThreadReadState.thread_id]),
            (Message, [Message.id]),
            (File, [File.id]),
        ):
            assert await _all(again, model, order) == await _all(db, model, order), model
    finally:
        await again.dispose()
    other = make_plan(threads=THREADS, messages=MESSAGES, seed=SEED + 1, end_at=END_AT)
    same = make_plan(threads=THREADS, messages=MESSAGES, seed=SEED, end_at=END_AT)
    assert [p.times for p in other.threads] != [p.times for p in same.threads]


@pytest.mark.asyncio
async def test_a_database_with_conversations_is_refused(
    db: Database, corpus: CorpusInfo, tmp_path: Path
) -> None:
    with pytest.raises(CorpusError, match="already holds"):
        await build_corpus(db, threads=THREADS, messages=MESSAGES, seed=SEED)
    found, seconds = await ensure_corpus(
        db, threads=THREADS, messages=MESSAGES, seed=SEED, files_dir=None
    )
    assert (found, seconds) == (corpus, None)
    with pytest.raises(CorpusError, match="holds a corpus of 200 threads"):
        await ensure_corpus(db, threads=THREADS, messages=MESSAGES + 1, seed=SEED, files_dir=None)


def test_the_plan_adds_up() -> None:
    plan = make_plan(threads=THREADS, messages=MESSAGES, seed=SEED, end_at=END_AT)
    assert sum(len(p.times) for p in plan.threads) == len(plan.order) == MESSAGES
    assert len(plan.threads[plan.featured].times) == FEATURED_MESSAGES
    for contact in plan.contacts:
        assert normalise_phone(contact.phone) == contact.phone
    assert all(p.times[-1] < END_AT for p in plan.threads)
    for threads, messages in ((10, 100), (2, 351), (1, 200)):
        with pytest.raises(ValueError, match="at least 2 threads"):
            make_plan(threads=threads, messages=messages, seed=SEED, end_at=END_AT)


def test_texts_have_common_and_rare_terms() -> None:
    texts = TextMaker(SEED)
    corpus = [texts.draw(n, "incoming", first_name="Ana")[0] for n in range(5_000)]
    words = Counter(w.lower() for t in corpus for w in re.findall(r"[\w#]+", t))
    assert words["order"] > 500  # a common term
    orders = [w for w in words.elements() if re.fullmatch(r"#\d{6}", w)]
    assert len(set(orders)) > 0.9 * len(orders)  # order numbers: rare terms
    ranked = [count for _, count in words.most_common()]
    assert ranked[0] > 20 * ranked[200]  # a long tail
    assert texts.draw(42, "outgoing")[0] == TextMaker(SEED).draw(42, "outgoing")[0]
