"""The contact's activity timeline: exactly the contact's messages and comments, newest first,
over every conversation and channel, paged without gaps or repeats; filters by type and
channel; only threads of inboxes the caller sees; and the activity type registry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from frontdesk.contacts import timeline
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound
from tests import factories
from tests.messages.thread_factories import (
    BASE_MS,
    ThreadSetup,
    add_message,
    create_contact,
    create_thread,
    new_phone,
    setup_thread,
)

pytestmark = pytest.mark.asyncio


@dataclass
class World:
    setup: ThreadSetup
    other_channel: int
    other_inbox: int
    hidden_ids: list[int]  # items in the other inbox (the agent's teams do not see it)
    comment_id: int
    expected: list[int]  # every item of the contact, newest first


async def build(db: Database) -> World:
    """The contact's thread of ThreadSetup (3 incoming messages), an outgoing reply and an
    internal comment there, a second thread on another channel in another inbox, and a
    stranger's thread that must never show."""
    s = await setup_thread(db, messages=3)
    reply = await add_message(
        db, thread_id=s.thread_id, created_at=BASE_MS + 10_000, direction="OUTGOING",
        channel_id=s.channel_id, channel_account_id=s.account_id, text="on its way",
    )  # fmt: skip
    comment = await add_message(
        db, thread_id=s.thread_id, created_at=BASE_MS + 20_000, type="COMMENT",
        text="VIP customer", created_by=f"A-{s.agent_id}",
    )  # fmt: skip
    other_team = await factories.create_team(db)
    other_inbox = await factories.create_inbox(db, teams=[other_team])
    other_channel = await factories.create_channel_row(db, app_id=s.app.app_id)
    other_account = await factories.create_channel_account_row(
        db, channel_id=other_channel, inbox_id=other_inbox
    )
    second = await create_thread(
        db, inbox_id=other_inbox, channel_id=other_channel,
        channel_account_id=other_account, contact_id=s.contact_id,
    )  # fmt: skip
    hidden = [
        await add_message(
            db, thread_id=second, created_at=BASE_MS + 5_000 + i, channel_id=other_channel,
            channel_account_id=other_account, contact_id=s.contact_id, text=f"elsewhere {i}",
        )
        for i in range(2)
    ]  # fmt: skip
    stranger = await create_contact(db, name="Stranger", phone=new_phone())
    stranger_thread = await create_thread(
        db, inbox_id=s.inbox_id, channel_id=s.channel_id,
        channel_account_id=s.account_id, contact_id=stranger,
    )  # fmt: skip
    await add_message(db, thread_id=stranger_thread, created_at=BASE_MS + 30_000)
    expected = [comment, reply, hidden[1], hidden[0], *reversed(s.message_ids)]
    return World(s, other_channel, other_inbox, hidden, comment, expected)


async def items(
    db: Database, world: World, *, inbox_ids: frozenset[int] | None = None, **kwargs: object
) -> list[int]:
    async with db.read() as uow:
        page = await timeline.contact_timeline(
            uow,
            contact_id=world.setup.contact_id,
            inbox_ids=inbox_ids,
            **kwargs,  # type: ignore[arg-type]
        )
    return [row.item_id for row in page.items]


async def test_every_item_of_the_contact_newest_first(db: Database) -> None:
    world = await build(db)
    async with db.read() as uow:
        page = await timeline.contact_timeline(
            uow, contact_id=world.setup.contact_id, inbox_ids=None
        )
    assert [row.item_id for row in page.items] == world.expected
    assert page.next_before is None
    first = page.items[0]
    assert (first.activity, first.text, first.direction) == (
        "internal_comment",
        "VIP customer",
        None,
    )
    # A comment has no channel of its own: it shows its thread's.
    assert first.channel_id == world.setup.channel_id
    assert first.channel_name
    kinds = {row.item_id: (row.activity, row.direction) for row in page.items}
    assert kinds[world.expected[1]] == ("conversation_message", "OUTGOING")
    assert kinds[world.setup.message_ids[0]] == ("conversation_message", "INCOMING")


async def test_pages_follow_each_other_without_gaps(db: Database) -> None:
    world = await build(db)
    seen: list[int] = []
    before = None
    for _ in range(10):
        async with db.read() as uow:
            page = await timeline.contact_timeline(
                uow, contact_id=world.setup.contact_id, inbox_ids=None, limit=2, before=before
            )
        seen += [row.item_id for row in page.items]
        before = page.next_before
        if before is None:
            break
    assert seen == world.expected


async def test_items_with_equal_times_page_in_a_stable_order(db: Database) -> None:
    s = await setup_thread(db, messages=0)
    same = [
        await add_message(db, thread_id=s.thread_id, created_at=BASE_MS, contact_id=s.contact_id)
        for _ in range(3)
    ]
    seen: list[int] = []
    before = None
    for _ in range(5):
        async with db.read() as uow:
            page = await timeline.contact_timeline(
                uow, contact_id=s.contact_id, inbox_ids=None, limit=1, before=before
            )
        seen += [row.item_id for row in page.items]
        if (before := page.next_before) is None:
            break
    assert seen == sorted(same, reverse=True)


async def test_filters_by_type_and_channel(db: Database) -> None:
    world = await build(db)
    comments = await items(db, world, types=["internal_comment"])
    messages = await items(db, world, types=["conversation_message"])
    elsewhere = await items(db, world, channel_ids=[world.other_channel])
    both = await items(
        db, world, types=["conversation_message"], channel_ids=[world.setup.channel_id]
    )

    assert comments == [world.comment_id]
    assert messages == [i for i in world.expected if i != world.comment_id]
    assert elsewhere == list(reversed(world.hidden_ids))
    assert both == [world.expected[1], *reversed(world.setup.message_ids)]


async def test_an_agent_sees_only_threads_of_their_inboxes(db: Database) -> None:
    world = await build(db)
    mine = frozenset({world.setup.inbox_id})

    visible = await items(db, world, inbox_ids=mine)

    assert visible == [i for i in world.expected if i not in world.hidden_ids]
    async with db.read() as uow:
        channels = await timeline.contact_channels(
            uow, contact_id=world.setup.contact_id, inbox_ids=mine
        )
    assert [c.id for c in channels] == [world.setup.channel_id]
    with pytest.raises(NotFound):
        await items(db, world, inbox_ids=frozenset({999_999}))


async def test_an_unknown_type_is_400(db: Database) -> None:
    world = await build(db)
    with pytest.raises(AppError) as raised:
        await items(db, world, types=["meeting"])
    assert raised.value.status == 400


async def test_the_registry_lists_the_types_and_refuses_a_second_key() -> None:
    keys = [t.key for t in timeline.activity_types()]
    assert keys[:2] == ["conversation_message", "internal_comment"]
    with pytest.raises(ValueError, match="registered twice"):
        timeline.register("internal_comment", "Again")(timeline.internal_comments)
