"""The service functions the web UI reuses with an acting user."""

from __future__ import annotations

import pytest

from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.service import Acting
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, NotFound
from tests.conversations.factories import (
    create_setup,
    create_thread,
    events,
    system_messages,
    thread_row,
)
from tests.factories import create_user


@pytest.mark.asyncio
async def test_acting_user_changes_a_thread_of_their_inbox(db: Database) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    user = await create_user(db, teams=[setup.team])
    by = Acting(actor_id=f"A-{user}", inbox_ids=frozenset({setup.inbox_id}))
    async with db.transaction() as uow:
        row = await conversation_service.change_status(
            uow, thread_id=thread, status="CLOSED", by=by
        )
        assert row.status == "CLOSED"
        row = await conversation_service.assign_thread(
            uow, thread_id=thread, assignee=f"A-{user}", by=by
        )
        assert row.assignment_reason == f"assigned by A-{user}"
        await conversation_service.unassign_thread(uow, thread_id=thread, by=by)
        await conversation_service.archive_thread(uow, thread_id=thread, by=by)
        row = await conversation_service.restore_thread(uow, thread_id=thread, by=by)
        assert row.archived is False
    assert [e.name for e in await events(db)] == [
        "conversation.updated",
        "conversation.assigned",
        "conversation.assigned",
        "conversation.deleted",
        "conversation.updated",
    ]
    assert [m[0] for m in await system_messages(db, thread_id=thread)] == [
        "THREAD_STATUS_CHANGE",
        "ASSIGNMENT",
        "ASSIGNMENT",
    ]


@pytest.mark.asyncio
async def test_acting_user_outside_the_inbox_gets_not_found(db: Database) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    by = Acting(actor_id="A-1", inbox_ids=frozenset())
    async with db.transaction() as uow:
        with pytest.raises(NotFound):
            await conversation_service.change_status(uow, thread_id=thread, status="CLOSED", by=by)
        with pytest.raises(NotFound):
            await conversation_service.archive_thread(uow, thread_id=thread, by=by)
        with pytest.raises(NotFound):
            await conversation_service.restore_thread(uow, thread_id=thread, by=by)
        with pytest.raises(NotFound):
            await conversation_service.unassign_thread(uow, thread_id=thread, by=by)
    assert (await thread_row(db, thread)).status == "OPEN"


def test_parse_agent_actor() -> None:
    assert conversation_service.parse_agent_actor("A-42") == 42
    for bad in ("V-42", "A-042", "A-", "a-42", "A-1.5", "A-" + "9" * 19):
        with pytest.raises(AppError) as caught:
            conversation_service.parse_agent_actor(bad)
        assert caught.value.errors[0].in_ == "actorId"


def test_assignment_reason_names_the_actor() -> None:
    assert conversation_service.assignment_reason("A-3") == "assigned by A-3"
    assert conversation_service.assignment_reason("I-7") == "assigned through the API by I-7"
