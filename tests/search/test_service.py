"""search_threads on both databases: words, prefixes, phrases, contact fields, filters, access,
hostile input, the index following edits, snippets, and paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text, update

from frontdesk.contacts.models import Contact
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.core.models import datetime_to_ms
from frontdesk.messages.models import Message
from frontdesk.search import indexer, postgres
from frontdesk.search import service as search_service
from frontdesk.search.service import SearchFilters, SearchPage
from tests.conversations.inbox_world import (
    InboxWorld,
    archive,
    assign,
    build_world,
    new_thread,
    publish,
    send,
    set_status,
)
from tests.files import media
from tests.files.helpers import upload

pytestmark = pytest.mark.asyncio

NONE = SearchFilters()


@pytest_asyncio.fixture
async def world(db: Database) -> InboxWorld:
    return await build_world(db)


@pytest.fixture(params=["default", "narrow"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The walk as configured, or narrowed so that a few rows take every path a large
    database takes: many small batches, PostgreSQL's newest-messages window passed, and
    thread filters checked batch by batch instead of on a short list of threads."""
    if request.param == "narrow":
        monkeypatch.setattr(search_service, "BATCH", 2)
        monkeypatch.setattr(search_service, "MAX_BATCH", 4)
        monkeypatch.setattr(search_service, "FEW_THREADS", 0)
        monkeypatch.setattr(postgres, "WINDOW", 3)
    return str(request.param)


async def search(
    db: Database,
    q: str,
    filters: SearchFilters = NONE,
    *,
    inboxes: frozenset[int] | None = None,
    after: str | None = None,
    limit: int = 100,
) -> SearchPage:
    await indexer.catch_up(db)  # as every caller of search_threads does
    async with db.read() as uow:
        return await search_service.search_threads(
            uow, principal_inbox_ids=inboxes, query=q, filters=filters, after=after, limit=limit
        )


async def threads(db: Database, q: str, filters: SearchFilters = NONE, **kw: Any) -> list[int]:
    return [r.thread_id for r in (await search(db, q, filters, **kw)).results]


async def test_words_all_match_newest_first(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="The parcel is late")
    b = await new_thread(client, world, account=world.chat_a, at=2, text="Late invoice again")
    c = await new_thread(client, world, account=world.chat_a, at=3, text="Parcel arrived, thanks")
    assert await threads(db, "late ") == [b, a]
    assert await threads(db, "parcel late ") == [a]
    assert await threads(db, "PARCEL ") == [c, a]
    assert await threads(db, "nothing matches this ") == []


async def test_prefix_as_you_type_and_star(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="Refund requested")
    b = await new_thread(client, world, account=world.chat_a, at=2, text="Reformed phone")
    assert await threads(db, "ref") == [b, a]
    assert await threads(db, "refu") == [a]
    assert await threads(db, "refu ") == []  # a finished word is a whole word
    assert await threads(db, "refu* ") == [a]
    assert await threads(db, "r") == [b, a]


async def test_phrase(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="my card was declined")
    await new_thread(client, world, account=world.chat_a, at=2, text="declined, my card")
    assert await threads(db, '"card was declined"') == [a]
    assert await threads(db, '"my card"') != []
    assert await threads(db, '"card was decl') == [a]  # an open phrase: its last word a prefix
    assert await threads(db, '"declined card"') == []  # both words, never side by side
    assert await threads(db, '"was declined" my') == [a]
    c = await new_thread(client, world, account=world.chat_a, at=3, text="Déjà vu, l'été")
    assert await threads(db, '"déjà vu"') == [c]
    assert await threads(db, '"l été"') == [c]


async def test_one_row_per_thread_anchored_on_newest_match(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    first = await publish(client, world, account=world.chat_a, at=1, key="k1", text="printer jam")
    second = await publish(client, world, account=world.chat_a, at=2, key="k1", text="printer ok")
    await publish(client, world, account=world.chat_a, at=3, key="k1", text="bye")
    page = await search(db, "printer ")
    assert len(page.results) == 1
    result = page.results[0]
    assert result.thread_id == int(first["conversationsThreadId"])
    assert result.message_id == int(second["id"])
    assert result.channel_name == "Chat"
    assert result.contact_name == "Ada Lovelace"
    assert result.status == "OPEN"
    assert result.inbox_id == world.inbox_a
    assert result.at_ms == datetime_to_ms_iso(second["createdAt"])


def datetime_to_ms_iso(value: str) -> int:
    from datetime import datetime

    return datetime_to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))


async def test_contact_fields_match_with_the_latest_message_as_anchor(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await new_thread(
        client, world, account=world.chat_a, at=1, name="Zelda Fitzgerald", phone="+14155550199"
    )
    last = await publish(
        client, world, account=world.chat_a, at=2, key=None, text="unrelated", name="Other"
    )
    assert last  # another thread
    page = await search(db, "zelda fitz")
    assert [r.thread_id for r in page.results] == [t]
    assert ("Zelda", True) in page.results[0].snippet
    assert await threads(db, "14155550199 ") == [t]  # an identifier (the phone identity)
    # Two letters match where a word starts (as typed), not inside one.
    assert await threads(db, "fi") == [t]
    assert await threads(db, "el") == []
    async with db.transaction() as uow:
        await uow.execute(
            update(Contact)
            .values(email="zelda@example.org")
            .where(Contact.name == "Zelda Fitzgerald")
        )
    assert await threads(db, "zelda@example.org ") == [t]


async def test_filters_each_and_combined(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="alpha one")
    b = await new_thread(client, world, account=world.sms_a, at=2, text="alpha two")
    c = await new_thread(client, world, account=world.chat_b, at=3, text="alpha three")
    await assign(db, world, thread_id=a, user_id=world.agent_id)
    await set_status(db, world, thread_id=b, status="CLOSED")
    uploaded = await upload(
        client, world.app.access_token, media.png(), filename="photo.png", content_type="image/png"
    )
    file_id = uploaded.json()["id"]
    d = await new_thread(
        client,
        world,
        account=world.chat_a,
        at=4,
        text="alpha four",
        attachments=[{"type": "FILE", "fileId": file_id}],
    )
    assert await threads(db, "alpha ") == [d, c, b, a]
    assert await threads(db, "alpha ", SearchFilters(channel_id=world.sms_id)) == [b]
    assert await threads(db, "alpha ", SearchFilters(channel_account_id=world.chat_b)) == [c]
    assert await threads(db, "alpha ", SearchFilters(inbox_id=world.inbox_b)) == [c]
    assert await threads(db, "alpha ", SearchFilters(status="CLOSED")) == [b]
    assert await threads(db, "alpha ", SearchFilters(status="OPEN")) == [d, c, a]
    assert await threads(db, "alpha ", SearchFilters(assignee=world.agent_id)) == [a]
    assert await threads(db, "alpha ", SearchFilters(assignee="unassigned")) == [d, c, b]
    assert await threads(db, "alpha ", SearchFilters(has_attachments=True)) == [d]
    at2 = (await search(db, "two ")).results[0].at_ms
    at3 = (await search(db, "three ")).results[0].at_ms
    assert await threads(db, "alpha ", SearchFilters(since_ms=at2, until_ms=at3)) == [b]
    combined = SearchFilters(channel_id=world.chat_id, status="OPEN", inbox_id=world.inbox_a)
    assert await threads(db, "alpha ", combined) == [d, a]
    # No words, a filter: the filtered threads, newest first.
    assert await threads(db, "", SearchFilters(channel_id=world.chat_id)) == [d, c, a]


async def test_access_control_and_archived(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="secret plans")
    b = await new_thread(client, world, account=world.chat_b, at=2, text="secret plans")
    assert await threads(db, "secret ", inboxes=world.visible(world.agent_id)) == [a]
    assert await threads(db, "secret ", inboxes=world.visible(world.outsider_id)) == [b]
    assert await threads(db, "secret ", inboxes=frozenset()) == []
    assert (
        await threads(
            db, "", SearchFilters(inbox_id=world.inbox_b), inboxes=world.visible(world.agent_id)
        )
        == []
    )
    await archive(db, world, thread_id=b)
    assert await threads(db, "secret ") == [a]
    assert await threads(db, "Ada ") == [a]  # archived threads do not match by contact either


async def test_internal_comments_are_searchable(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await new_thread(client, world, account=world.chat_a, at=1, text="hello")
    comment = await send(
        client,
        world.agent_token,
        thread_id=t,
        user_id=world.agent_id,
        world=world,
        account=world.chat_a,
        comment=True,
        text="escalate to billing",
    )
    page = await search(db, "billing ")
    assert [(r.thread_id, r.message_id) for r in page.results] == [(t, int(comment["id"]))]


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '""',
        "*",
        "**a",
        "NEAR(",
        "NEAR(a b",
        "a:b",
        "subject:x",
        "'",
        "it's",
        "\\",
        "\\\\x",
        '"unbalanced',
        'un"bal"anced"',
        "-",
        "-a",
        "AND",
        "a OR b",
        "NOT a",
        "^a",
        "a + b",
        "(",
        ")",
        "{a}",
        "[x]",
        "%",
        "_",
        "%_%",
        "!@#$%^&*()",
        "a & b | !c",
        "'a':*",
        "<->",
        "ñ*",
        "ß",
    ],
)
async def test_hostile_input_never_fails(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, hostile: str
) -> None:
    t = await new_thread(client, world, account=world.chat_a, at=1, text="a b c it s near")
    page = await search(db, hostile, SearchFilters(inbox_id=world.inbox_a))
    assert all(r.thread_id == t for r in page.results)


async def test_hostile_words_still_match_as_words(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await new_thread(client, world, account=world.chat_a, at=1, text="Use NEAR(x) or it's OK")
    assert await threads(db, "NEAR(x) ") == [t]
    assert await threads(db, "it's ") == [t]
    assert await threads(db, '"or it') == [t]


async def test_query_limits(db: Database, world: InboxWorld) -> None:
    with pytest.raises(AppError):
        await search(db, "x" * 501)
    assert (await search(db, "")).results == []  # no words, no filter: nothing
    with pytest.raises(AppError):
        await search(db, "x", limit=101)
    assert (await search(db, "x" * 500)).results == []
    assert (await search(db, "!!!")).results == []  # only punctuation, no filter: nothing


async def test_index_follows_edits_and_deletes(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    message = await publish(client, world, account=world.chat_a, at=1, text="original words")
    message_id = int(message["id"])
    async with db.transaction() as uow:
        await uow.execute(update(Message).where(Message.id == message_id).values(text="edited"))
    assert await threads(db, "original ") == []
    assert await threads(db, "edited ") == [int(message["conversationsThreadId"])]
    async with db.transaction() as uow:
        await uow.execute(update(Message).where(Message.id == message_id).values(archived=True))
    assert await threads(db, "edited ") == []
    async with db.transaction() as uow:
        await uow.execute(update(Message).where(Message.id == message_id).values(archived=False))
        await uow.execute(
            text("DELETE FROM message_files WHERE message_id = :m"), {"m": message_id}
        )
        await uow.execute(text("UPDATE threads SET last_message_id = NULL"))
        await uow.execute(text("DELETE FROM messages WHERE id = :m"), {"m": message_id})
    assert await threads(db, "edited ") == []


async def test_reindex_rebuilds_an_emptied_index(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await new_thread(client, world, account=world.chat_a, at=1, text="rebuild me", name="Quinn")
    if db.dialect == "sqlite":
        await indexer.catch_up(db)  # indexed, then the index is emptied
        async with db.transaction() as uow:
            await uow.execute(text("INSERT INTO messages_fts(messages_fts) VALUES ('delete-all')"))
            await uow.execute(text("DELETE FROM contacts_fts"))
        assert await threads(db, "rebuild ") == []
        assert await threads(db, "quinn ") == []
    seen: list[tuple[int, int]] = []
    result = await search_service.reindex(
        db, progress=lambda done, total: seen.append((done, total))
    )
    assert result.messages >= 1
    assert seen
    assert seen[-1][0] == seen[-1][1]
    assert await threads(db, "rebuild ") == [t]
    assert await threads(db, "quinn ") == [t]


async def test_snippet_highlights_exactly_the_matched_words(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    words = " ".join(f"filler{n}" for n in range(60))
    body = f"{words} <b>Crème</b> brûlée & the creme of it {words}"
    await new_thread(client, world, account=world.chat_a, at=1, text=body)
    if db.dialect == "sqlite":  # FTS5 drops diacritics; PostgreSQL's `simple` keeps them
        assert len((await search(db, "creme bru")).results) == 1
    snippet = (await search(db, "crème brû")).results[0].snippet
    assert [part for part, matched in snippet if matched] == ["Crème", "brûlée", "creme"]
    joined = "".join(part for part, _ in snippet)
    assert "<b>" in joined  # plain text: the caller escapes it
    assert joined.startswith("…")
    assert joined.endswith("…")
    assert len(joined) < 200


async def test_cursor_paging_has_no_duplicates_or_gaps(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    made: list[int] = []
    for n in range(12):
        t = await new_thread(client, world, account=world.chat_a, at=n * 2, text=f"topic {n}")
        made.append(t)
    # Older threads get newer matches, so threads move in the order.
    for n in (1, 4):
        await publish(client, world, account=world.chat_a, at=100 + n, key=None, text="other")
    seen: list[int] = []
    after = None
    while True:
        page = await search(db, "topic ", after=after, limit=5)
        seen += [r.thread_id for r in page.results]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == list(reversed(made))
    # A thread with several matches shows once across pages.
    key_thread = made[0]
    for n in range(3):
        await send(
            client,
            world.agent_token,
            thread_id=key_thread,
            user_id=world.agent_id,
            world=world,
            account=world.chat_a,
            comment=True,
            text=f"topic again {n}",
        )
    seen, after = [], None
    while True:
        page = await search(db, "topic ", after=after, limit=4)
        seen += [r.thread_id for r in page.results]
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == sorted(made)
    assert seen[0] == key_thread
    assert len(seen) == len(set(seen))


async def test_a_one_letter_prefix_after_other_words_waits_for_the_next_letter(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    a = await new_thread(client, world, account=world.chat_a, at=1, text="emma wrote")
    b = await new_thread(client, world, account=world.chat_a, at=2, text="emma called")
    assert await threads(db, "emma w") == [b, a]
    assert await threads(db, "emma wr") == [a]


async def test_words_naming_the_contact_and_words_of_a_message_together(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, plan: str
) -> None:
    zelda = await new_thread(
        client, world, account=world.chat_a, at=1, name="Zelda Fitzgerald", text="refund please"
    )
    other = await new_thread(
        client, world, account=world.chat_a, at=2, name="Scott Key", text="refund for zelda"
    )
    await new_thread(client, world, account=world.chat_a, at=3, name="Zelda Sayre", text="hello")
    # "zelda" names two contacts and is a word of another's message: each thread once.
    assert await threads(db, "zelda refund ") == [other, zelda]
    assert await threads(db, "fitzgerald refund ") == [zelda]
    assert await threads(db, "zelda fitzgerald ") == [zelda]  # the contact alone
    assert await threads(db, "zelda nothing ") == []
    # The filters and the caller's inboxes hold for these matches too.
    assert await threads(db, "fitzgerald refund ", SearchFilters(status="CLOSED")) == []
    assert await threads(db, "fitzgerald refund ", inboxes=world.visible(world.outsider_id)) == []
    first = await search(db, "zelda refund ", limit=1)
    second = await search(db, "zelda refund ", limit=1, after=first.next_after)
    assert [r.thread_id for r in first.results + second.results] == [other, zelda]
    assert second.next_after is None
