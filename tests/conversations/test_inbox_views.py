"""The inbox views' queries (issue 4): membership, counts, order and paging, list rows, read
state, previews, and who sees what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select, update

from frontdesk.accounts.models import User
from frontdesk.channels.models import ChannelAccount
from frontdesk.contacts.models import Contact
from frontdesk.conversations import inbox_queries, inbox_views
from frontdesk.conversations.inbox_views import InboxRow
from frontdesk.conversations.models import Thread
from frontdesk.conversations.previews import message_preview
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound
from frontdesk.core.models import ms_to_iso
from frontdesk.messages.system import add_system_message
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

VIEWS = ("mine", "unassigned", "open", "closed")


async def _ids(
    db: Database, world: InboxWorld, view: str, *, user_id: int, inbox_id: int | None = None
) -> list[int]:
    async with db.read() as uow:
        page = await inbox_views.list_view(
            uow,
            view=view,
            user_id=user_id,
            inbox_ids=world.visible(user_id),
            inbox_id=inbox_id,
            limit=200,
        )
    assert page.next_after is None
    return [row.thread_id for row in page.rows]


async def _counts(
    db: Database, world: InboxWorld, *, user_id: int, inbox_id: int | None = None
) -> inbox_views.ViewCounts:
    async with db.read() as uow:
        return await inbox_views.view_counts(
            uow, user_id=user_id, inbox_ids=world.visible(user_id), inbox_id=inbox_id
        )


async def _row(db: Database, world: InboxWorld, thread_id: int, *, user_id: int) -> InboxRow:
    async with db.read() as uow:
        row = await inbox_views.list_row(
            uow, thread_id=thread_id, user_id=user_id, inbox_ids=world.visible(user_id)
        )
    assert row is not None
    return row


async def _mark_read(
    db: Database, world: InboxWorld, thread_id: int, *, user_id: int, message_id: int | None = None
) -> inbox_views.ReadState:
    async with db.transaction() as uow:
        return await inbox_views.mark_thread_read(
            uow,
            user_id=user_id,
            inbox_ids=world.visible(user_id),
            thread_id=thread_id,
            message_id=message_id,
        )


@pytest_asyncio.fixture
async def world(db: Database) -> InboxWorld:
    return await build_world(db)


async def _populate(db: Database, client: httpx.AsyncClient, w: InboxWorld) -> dict[str, int]:
    """mine (the agent's), unassigned (SMS), colleague's, closed, inbox B's, archived."""
    t = {
        "mine": await new_thread(client, w, account=w.chat_a, at=10),
        "unassigned": await new_thread(client, w, account=w.sms_a, at=20),
        "colleague": await new_thread(client, w, account=w.chat_a, at=30),
        "closed": await new_thread(client, w, account=w.chat_a, at=40),
        "other_inbox": await new_thread(client, w, account=w.chat_b, at=50),
        "archived": await new_thread(client, w, account=w.chat_a, at=60),
    }
    await assign(db, w, thread_id=t["mine"], user_id=w.agent_id)
    await assign(db, w, thread_id=t["colleague"], user_id=w.colleague_id)
    await set_status(db, w, thread_id=t["closed"], status="CLOSED")
    await archive(db, w, thread_id=t["archived"])
    return t


# --- membership and counts -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_each_view_holds_its_threads_newest_first(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await _populate(db, client, world)
    agent = world.agent_id
    chat, sms = f"channel-{world.chat_id}", f"channel-{world.sms_id}"
    assert await _ids(db, world, "mine", user_id=agent) == [t["mine"]]
    assert await _ids(db, world, "unassigned", user_id=agent) == [t["unassigned"]]
    assert await _ids(db, world, "open", user_id=agent) == [
        t["colleague"],
        t["unassigned"],
        t["mine"],
    ]
    assert await _ids(db, world, "closed", user_id=agent) == [t["closed"]]
    assert await _ids(db, world, chat, user_id=agent) == [t["colleague"], t["mine"]]
    assert await _ids(db, world, sms, user_id=agent) == [t["unassigned"]]
    assert await _ids(db, world, "mine", user_id=world.colleague_id) == [t["colleague"]]
    # The admin sees both inboxes, or one when narrowed.
    admin = world.admin_id
    assert await _ids(db, world, "unassigned", user_id=admin) == [t["other_inbox"], t["unassigned"]]
    assert await _ids(db, world, chat, user_id=admin) == [
        t["other_inbox"],
        t["colleague"],
        t["mine"],
    ]
    assert await _ids(db, world, "open", user_id=admin, inbox_id=world.inbox_b) == [
        t["other_inbox"]
    ]
    assert await _ids(db, world, "mine", user_id=admin) == []


@pytest.mark.asyncio
async def test_counts_match_the_views(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    await _populate(db, client, world)
    counts = await _counts(db, world, user_id=world.agent_id)
    assert (counts.mine, counts.unassigned, counts.open, counts.closed) == (1, 1, 3, 1)
    assert [(c.name, c.count, c.view) for c in counts.channels] == [
        ("Chat", 2, f"channel-{world.chat_id}"),
        ("SMS", 1, f"channel-{world.sms_id}"),
    ]
    for user_id in (world.agent_id, world.colleague_id, world.outsider_id, world.admin_id):
        for inbox_id in (None, world.inbox_a, world.inbox_b):
            if inbox_id is not None and not _sees(world, user_id, inbox_id):
                continue
            counts = await _counts(db, world, user_id=user_id, inbox_id=inbox_id)
            views = [*VIEWS, *(c.view for c in counts.channels)]
            for view in views:
                listed = await _ids(db, world, view, user_id=user_id, inbox_id=inbox_id)
                assert counts.count(view) == len(listed), (user_id, inbox_id, view)


def _sees(world: InboxWorld, user_id: int, inbox_id: int) -> bool:
    visible = world.visible(user_id)
    return visible is None or inbox_id in visible


@pytest.mark.asyncio
async def test_channels_with_accounts_show_even_without_open_threads(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    counts = await _counts(db, world, user_id=world.agent_id)
    assert [(c.name, c.count) for c in counts.channels] == [("Chat", 0), ("SMS", 0)]
    outsider = await _counts(db, world, user_id=world.outsider_id)
    assert [c.name for c in outsider.channels] == ["Chat"]  # SMS has no account in inbox B
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount).where(ChannelAccount.id == world.sms_a).values(archived=True)
        )
    counts = await _counts(db, world, user_id=world.agent_id)
    assert [c.name for c in counts.channels] == ["Chat"]
    # An archived account's open conversation still needs its channel view.
    await new_thread(client, world, account=world.chat_a, at=5)
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount).where(ChannelAccount.id == world.sms_a).values(archived=False)
        )
    await new_thread(client, world, account=world.sms_a, at=6)
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount).where(ChannelAccount.id == world.sms_a).values(archived=True)
        )
    counts = await _counts(db, world, user_id=world.agent_id)
    assert [(c.name, c.count) for c in counts.channels] == [("Chat", 1), ("SMS", 1)]


@pytest.mark.asyncio
async def test_unknown_views_are_refused(db: Database, world: InboxWorld) -> None:
    for view in ("everything", "channel-", "channel-0", "channel-x", "Mine", "channel-1-2"):
        with pytest.raises(AppError) as caught:
            await _ids(db, world, view, user_id=world.agent_id)
        assert caught.value.status == 400
        assert caught.value.errors[0].in_ == "view"


# --- order and paging ------------------------------------------------------------------------


async def _pages(
    db: Database, world: InboxWorld, view: str, *, limit: int, between: Any = None
) -> list[list[int]]:
    pages: list[list[int]] = []
    after = None
    while True:
        async with db.read() as uow:
            page = await inbox_views.list_view(
                uow,
                view=view,
                user_id=world.agent_id,
                inbox_ids=world.visible(world.agent_id),
                after=after,
                limit=limit,
            )
        pages.append([row.thread_id for row in page.rows])
        if page.next_after is None:
            return pages
        after = page.next_after
        if between is not None:
            await between()


@pytest.mark.asyncio
async def test_pages_follow_the_cursor_without_gaps_or_repeats(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    # Two pairs share a timestamp: the id breaks the tie, newest first.
    times = [10, 20, 20, 30, 40, 40, 50]
    threads = [await new_thread(client, world, account=world.chat_a, at=s) for s in times]
    expected = [threads[i] for i in (6, 5, 4, 3, 2, 1, 0)]
    assert await _pages(db, world, "open", limit=3) == [expected[:3], expected[3:6], expected[6:]]
    assert await _pages(db, world, "open", limit=7) == [expected]
    assert await _pages(db, world, "open", limit=1) == [[i] for i in expected]

    async def newer_activity() -> None:
        await new_thread(client, world, account=world.chat_a, at=59)

    # Conversations arriving while paging go to the top: later pages neither shift nor repeat.
    paged = await _pages(db, world, "open", limit=2, between=newer_activity)
    assert [i for page in paged for i in page] == expected


@pytest.mark.asyncio
async def test_new_activity_moves_a_thread_to_the_top(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    first = await new_thread(client, world, account=world.chat_a, at=10, key="first")
    second = await new_thread(client, world, account=world.chat_a, at=20)
    assert await _ids(db, world, "open", user_id=world.agent_id) == [second, first]
    await publish(client, world, account=world.chat_a, at=30, key="first")
    assert await _ids(db, world, "open", user_id=world.agent_id) == [first, second]


@pytest.mark.asyncio
async def test_bad_cursors_and_limits_are_refused(db: Database, world: InboxWorld) -> None:
    for after, limit in (("not-a-cursor!", 10), ("eyJrIjpbMV19", 10), (None, 0), (None, 201)):
        with pytest.raises(AppError) as caught:
            async with db.read() as uow:
                await inbox_views.list_view(
                    uow,
                    view="open",
                    user_id=world.admin_id,
                    inbox_ids=None,
                    after=after,
                    limit=limit,
                )
        assert caught.value.status == 400, (after, limit)


@pytest.mark.asyncio
async def test_a_page_is_one_statement(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    for second in range(5):
        thread_id = await new_thread(client, world, account=world.chat_a, at=second)
        await assign(db, world, thread_id=thread_id, user_id=world.agent_id)
    async with db.read() as uow:
        statements = _count_statements(uow)
        page = await inbox_views.list_view(
            uow, view="mine", user_id=world.agent_id, inbox_ids=world.visible(world.agent_id)
        )
        assert len(page.rows) == 5
        assert statements == [1]
        await inbox_views.view_counts(
            uow, user_id=world.agent_id, inbox_ids=world.visible(world.agent_id)
        )
        assert statements == [3]  # the counts, and the channels to show


def _count_statements(uow: Any) -> list[int]:
    calls = [0]
    execute = uow.execute

    async def counted(statement: Any, params: Any = None) -> Any:
        calls[0] += 1
        return await execute(statement, params)

    uow.execute = counted
    return calls


# --- rows ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_row_carries_what_the_list_shows(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    thread_id = await new_thread(
        client, world, account=world.sms_a, at=75, text="Where  is\n my   parcel?"
    )
    await assign(db, world, thread_id=thread_id, user_id=world.colleague_id)
    async with db.transaction() as uow:
        await uow.execute(
            update(User)
            .where(User.id == world.colleague_id)
            .values(avatar_url="https://example.com/linus.png")
        )
    row = await _row(db, world, thread_id, user_id=world.agent_id)
    async with db.read() as uow:
        thread = (await uow.execute(select(Thread).where(Thread.id == thread_id))).one()
    assert row == InboxRow(
        thread_id=thread_id,
        inbox_id=world.inbox_a,
        status="OPEN",
        contact_id=thread.contact_id,
        contact_name="Ada Lovelace",
        channel_id=world.sms_id,
        channel_name="SMS",
        channel_account_id=world.sms_a,
        channel_account_name="SMS A",
        last_message_id=thread.last_message_id,
        last_message_preview="Where is my parcel?",
        latest_message_at=thread.latest_message_at,
        unread=True,
        assignee_id=world.colleague_id,
        assignee_name="Linus",
        assignee_avatar_url="https://example.com/linus.png",
    )
    assert ms_to_iso(thread.latest_message_at) == "2026-03-01T10:01:15.000Z"
    async with db.read() as uow:
        page = await inbox_views.list_view(
            uow, view="open", user_id=world.agent_id, inbox_ids=world.visible(world.agent_id)
        )
    assert page.rows == [row]


@pytest.mark.asyncio
async def test_contact_names_prefer_properties_then_name_then_identifier(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    named = await new_thread(client, world, account=world.chat_a, at=1)
    anonymous = await new_thread(
        client, world, account=world.chat_a, at=2, name=None, phone="+14155550199"
    )
    assert (await _row(db, world, named, user_id=world.agent_id)).contact_name == "Ada Lovelace"
    assert (await _row(db, world, anonymous, user_id=world.agent_id)).contact_name == "+14155550199"
    contact_id = (await _row(db, world, named, user_id=world.agent_id)).contact_id
    async with db.transaction() as uow:
        await uow.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(properties={"firstname": "Augusta Ada", "lastname": "King"})
        )
    assert (await _row(db, world, named, user_id=world.agent_id)).contact_name == "Augusta Ada King"


@pytest.mark.asyncio
async def test_row_in_view_agrees_with_the_lists(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await _populate(db, client, world)
    agent = world.agent_id
    views = [*VIEWS, f"channel-{world.chat_id}", f"channel-{world.sms_id}"]
    for name in ("mine", "unassigned", "colleague", "closed"):
        row = await _row(db, world, t[name], user_id=agent)
        for view in views:
            listed = t[name] in await _ids(db, world, view, user_id=agent)
            assert inbox_views.row_in_view(row, view=view, user_id=agent) == listed, (name, view)


# --- read state ------------------------------------------------------------------------------


async def _unread(db: Database, world: InboxWorld, thread_id: int, user_id: int) -> bool:
    return (await _row(db, world, thread_id, user_id=user_id)).unread


@pytest.mark.asyncio
async def test_read_state_follows_messages_per_user(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    agent, colleague = world.agent_id, world.colleague_id
    key = "read-state"
    thread_id = await new_thread(client, world, account=world.chat_a, at=1, key=key)
    assert await _unread(db, world, thread_id, agent)
    state = await _mark_read(db, world, thread_id, user_id=agent)
    assert not state.unread
    assert not await _unread(db, world, thread_id, agent)
    assert await _unread(db, world, thread_id, colleague)  # read state is per user
    # A new customer message makes it unread again.
    await publish(client, world, account=world.chat_a, at=2, key=key)
    assert await _unread(db, world, thread_id, agent)
    # Your own reply marks it read for you, and unread for the others.
    await _mark_read(db, world, thread_id, user_id=colleague)
    await send(
        client,
        world.agent_token,
        thread_id=thread_id,
        user_id=agent,
        world=world,
        account=world.chat_a,
    )
    assert not await _unread(db, world, thread_id, agent)
    assert await _unread(db, world, thread_id, colleague)
    # So does a comment; system entries (assignment, closing) change nothing.
    await _mark_read(db, world, thread_id, user_id=agent)
    await send(
        client,
        world.colleague_token,
        thread_id=thread_id,
        user_id=colleague,
        world=world,
        account=world.chat_a,
        comment=True,
    )
    assert not await _unread(db, world, thread_id, colleague)
    assert await _unread(db, world, thread_id, agent)
    await _mark_read(db, world, thread_id, user_id=agent)
    await assign(db, world, thread_id=thread_id, user_id=colleague)
    async with db.transaction() as uow:
        await add_system_message(
            uow, thread_id=thread_id, type="THREAD_STATUS_CHANGE", extra={}, created_by="S-test"
        )
    assert not await _unread(db, world, thread_id, agent)


@pytest.mark.asyncio
async def test_read_marks_never_move_backwards(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    key = "backwards"
    first = await publish(client, world, account=world.chat_a, at=1, key=key)
    second = await publish(client, world, account=world.chat_a, at=2, key=key)
    thread_id = int(first["conversationsThreadId"])
    state = await _mark_read(
        db, world, thread_id, user_id=world.agent_id, message_id=int(first["id"])
    )
    assert (state.last_read_message_id, state.unread) == (int(first["id"]), True)
    state = await _mark_read(db, world, thread_id, user_id=world.agent_id)
    assert (state.last_read_message_id, state.unread) == (int(second["id"]), False)
    state = await _mark_read(
        db, world, thread_id, user_id=world.agent_id, message_id=int(first["id"])
    )
    assert (state.last_read_message_id, state.unread) == (int(second["id"]), False)


@pytest.mark.asyncio
async def test_marking_read_checks_the_message_and_the_thread(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    mine = await publish(client, world, account=world.chat_a, at=1)
    other = await publish(client, world, account=world.chat_a, at=2)
    with pytest.raises(AppError) as caught:
        await _mark_read(
            db,
            world,
            int(mine["conversationsThreadId"]),
            user_id=world.agent_id,
            message_id=int(other["id"]),
        )
    assert (caught.value.status, caught.value.errors[0].in_) == (400, "messageId")
    with pytest.raises(NotFound):
        await _mark_read(db, world, 2**62, user_id=world.agent_id)


# --- previews --------------------------------------------------------------------------------


async def _preview(db: Database, world: InboxWorld, thread_id: int) -> str | None:
    return (await _row(db, world, thread_id, user_id=world.admin_id)).last_message_preview


@pytest.mark.asyncio
async def test_previews_follow_the_last_message_or_comment(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    key = "previews"
    long_text = "word " * 60
    thread_id = await new_thread(client, world, account=world.chat_a, at=1, key=key, text=long_text)
    preview = await _preview(db, world, thread_id)
    assert preview is not None
    assert preview.endswith("…")
    assert len(preview) <= 141
    assert preview[:-1] == " ".join(long_text.split())[:140].rstrip()
    await send(
        client,
        world.agent_token,
        thread_id=thread_id,
        user_id=world.agent_id,
        world=world,
        account=world.chat_a,
        comment=True,
        text="Internal:\tcheck the\n\norder",
    )
    assert await _preview(db, world, thread_id) == "Internal: check the order"
    await send(
        client,
        world.agent_token,
        thread_id=thread_id,
        user_id=world.agent_id,
        world=world,
        account=world.chat_a,
        text="Shipped today",
    )
    assert await _preview(db, world, thread_id) == "Shipped today"
    await set_status(db, world, thread_id=thread_id, status="CLOSED")  # a system entry
    assert await _preview(db, world, thread_id) == "Shipped today"


@pytest.mark.asyncio
async def test_an_attachment_only_message_previews_as_its_file(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    uploaded = await upload(
        client, world.app.access_token, media.png(), filename="photo.png", content_type="image/png"
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    thread_id = await new_thread(
        client,
        world,
        account=world.chat_a,
        at=1,
        text="",
        attachments=[{"type": "FILE", "fileId": file_id}],
    )
    assert await _preview(db, world, thread_id) == "📎 photo.png"


def test_preview_labels() -> None:
    preview = message_preview
    assert preview(text="  hi\n there ") == "hi there"
    assert preview(text="", attachments=[]) is None
    file = {"type": "FILE", "fileId": "1", "name": "report.pdf", "fileUsageType": "OTHER"}
    assert preview(text="", attachments=[file]) == "📎 report.pdf"
    voice = {"type": "FILE", "fileId": "2", "name": "a.ogg", "fileUsageType": "VOICE_RECORDING"}
    assert preview(text=" ", attachments=[voice]) == "Voice message"
    sticker = {"type": "FILE", "fileId": "3", "name": "s.webp", "fileUsageType": "STICKER"}
    assert preview(text="", attachments=[sticker, file]) == "Sticker +1"
    assert preview(text="", attachments=[{"type": "FILE", "fileUsageType": "VIDEO"}]) == "Video"
    assert preview(text="", attachments=[{"type": "FILE", "fileUsageType": "IMAGE"}]) == "Image"
    assert preview(text="", attachments=[{"type": "FILE", "fileUsageType": "AUDIO"}]) == "Audio"
    assert preview(text="", attachments=[{"type": "FILE"}]) == "File"
    assert preview(text="", attachments=[{"type": "QUICK_REPLIES", "quickReplies": []}]) is None
    assert preview(text="", attachments=[{"type": "LOCATION"}]) == "Location"
    assert preview(text="x" * 500) == "x" * 140 + "…"


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_agent_outside_the_team_sees_none_of_the_inbox(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await _populate(db, client, world)
    outsider = world.outsider_id
    for view in (*VIEWS, f"channel-{world.chat_id}", f"channel-{world.sms_id}"):
        listed = await _ids(db, world, view, user_id=outsider)
        assert listed == (
            [t["other_inbox"]] if view in ("unassigned", "open", f"channel-{world.chat_id}") else []
        )
    counts = await _counts(db, world, user_id=outsider)
    assert (counts.mine, counts.unassigned, counts.open, counts.closed) == (0, 1, 1, 0)
    assert [(c.name, c.count) for c in counts.channels] == [("Chat", 1)]
    with pytest.raises(NotFound):
        await _counts(db, world, user_id=outsider, inbox_id=world.inbox_a)
    with pytest.raises(NotFound):
        await _ids(db, world, "open", user_id=outsider, inbox_id=world.inbox_a)
    with pytest.raises(NotFound):
        await _mark_read(db, world, t["mine"], user_id=outsider)
    async with db.read() as uow:
        assert (
            await inbox_views.list_row(
                uow, thread_id=t["mine"], user_id=outsider, inbox_ids=world.visible(outsider)
            )
            is None
        )


@pytest.mark.asyncio
async def test_rows_of_named_threads_come_in_one_answer_newest_first(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    """The rows a live update asks for: whatever their view, newest activity first, without
    threads of another inbox, archived ones or ids that name nothing."""
    t = await _populate(db, client, world)
    named = [t["mine"], t["other_inbox"], t["closed"], t["archived"], t["colleague"], 10**15]
    async with db.read() as uow:
        rows = await inbox_views.list_rows(
            uow,
            thread_ids=named,
            user_id=world.agent_id,
            inbox_ids=world.visible(world.agent_id),
        )
    assert [row.thread_id for row in rows] == [t["closed"], t["colleague"], t["mine"]]


@pytest.mark.asyncio
async def test_a_user_in_no_inbox_sees_nothing(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await _populate(db, client, world)
    async with db.read() as uow:
        counts = await inbox_views.view_counts(uow, user_id=world.agent_id, inbox_ids=frozenset())
        page = await inbox_views.list_view(
            uow, view="open", user_id=world.agent_id, inbox_ids=frozenset()
        )
        row = await inbox_views.list_row(
            uow, thread_id=t["mine"], user_id=world.agent_id, inbox_ids=frozenset()
        )
    assert counts == inbox_views.ViewCounts(0, 0, 0, 0, ())
    assert (page.rows, page.next_after, row) == ([], None, None)


@pytest.mark.asyncio
async def test_archived_threads_leave_every_view(
    db: Database, client: httpx.AsyncClient, world: InboxWorld
) -> None:
    t = await _populate(db, client, world)
    for view in (*VIEWS, f"channel-{world.chat_id}"):
        assert t["archived"] not in await _ids(db, world, view, user_id=world.admin_id)
    async with db.read() as uow:
        row = await inbox_views.list_row(
            uow, thread_id=t["archived"], user_id=world.admin_id, inbox_ids=None
        )
    assert row is None
    counts = await _counts(db, world, user_id=world.admin_id)
    assert (counts.open, counts.closed) == (4, 1)


@pytest.mark.asyncio
async def test_the_closed_count_stops_past_its_cap(
    db: Database, client: httpx.AsyncClient, world: InboxWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closed threads pile up forever; the count stops one past the cap ("2+" here).
    monkeypatch.setattr(inbox_queries, "CLOSED_COUNT_CAP", 2)
    inbox_queries.counts_statement.cache_clear()
    try:
        for at in range(4):
            thread_id = await new_thread(client, world, account=world.chat_a, at=at)
            await set_status(db, world, thread_id=thread_id, status="CLOSED")
        counts = await _counts(db, world, user_id=world.admin_id)
        assert counts.closed == 3
        assert len(await _ids(db, world, "closed", user_id=world.admin_id)) == 4
    finally:
        inbox_queries.counts_statement.cache_clear()
