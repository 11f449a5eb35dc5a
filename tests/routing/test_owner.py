"""Routing to the contact's owner (DESIGN 7): assigned when present; when offline or away,
assigned anyway and emailed (received by a real SMTP server); no owner, no assignment."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from frontdesk.config import Settings
from frontdesk.contacts.models import Contact
from frontdesk.core.db import Database
from frontdesk.core.runner import JobRunner
from frontdesk.email import tasks as email_tasks
from frontdesk.routing.clock import ManualClock
from tests.email.smtp_server import SmtpServer
from tests.messages.publish_setup import new_phone, participant
from tests.routing.world import World, assignees, jobs, make_world, set_users, thread, user


async def owned_conversation(world: World, owner_id: int | None, text: str = "Hello") -> int:
    """A second conversation of a contact whose owner is `owner_id` (the first one makes the
    contact, while routing is off)."""
    phone = new_phone()
    first = await world.publish(senders=[participant(phone, name="Ada")])
    contact_id = (await thread(world.db, first)).contact_id
    async with world.db.transaction() as uow:
        await uow.execute(update(Contact).where(Contact.id == contact_id).values(owner_id=owner_id))
    await world.route(mode="CONTACT_OWNER")
    return await world.publish(senders=[participant(phone, name="Ada")], text=text)


@pytest.mark.asyncio
async def test_a_present_owner_is_assigned_without_email(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (owner,) = world.agents
    await world.online()

    thread_id = await owned_conversation(world, owner)

    row = await thread(db, thread_id)
    assert (row.assignee_id, row.assignment_reason) == (owner, "Contact owner")
    assert await jobs(db, "email.send") == []


@pytest.mark.asyncio
async def test_an_offline_owner_is_assigned_and_receives_an_email(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    clock: ManualClock,
    smtp_server: SmtpServer,
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (owner,) = world.agents
    await world.online()
    clock.advance(settings.presence_grace_s + 1)

    thread_id = await owned_conversation(world, owner, text="Where is my parcel?")

    row = await thread(db, thread_id)
    assert row.assignee_id == owner
    assert row.assignment_reason == "Contact owner (offline, notified by email)"
    smtp = settings.model_copy(
        update={"smtp_host": smtp_server.host, "smtp_port": smtp_server.port, "smtp_tls": "none"}
    )
    assert await JobRunner(db, [email_tasks.job_kind(smtp)]).run_due() == 1
    [received] = await smtp_server.wait_for(1)
    assert received.envelope_to == [(await user(db, owner)).email]
    assert "Ada" in received.message["Subject"]
    body = received.message.get_content()
    assert "Where is my parcel?" in body
    assert f"{settings.resolved_public_url()}/inbox/threads/{thread_id}" in body


@pytest.mark.asyncio
async def test_an_away_owner_is_assigned_and_emailed(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (owner,) = world.agents
    await world.online()
    await set_users(db, [owner], availability="away")

    thread_id = await owned_conversation(world, owner)

    assert (await thread(db, thread_id)).assignment_reason == (
        "Contact owner (away, notified by email)"
    )
    [job] = await jobs(db, "email.send")
    assert job.payload["to"] == (await user(db, owner)).email


@pytest.mark.asyncio
async def test_no_owner_or_one_who_cannot_take_it_leaves_it_unassigned(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    world = await make_world(db, settings, client, agents=1)
    (owner,) = world.agents
    await world.online()

    orphan = await owned_conversation(world, None)
    await world.route(mode="OFF")
    await set_users(db, [owner], active=False)
    inactive_owner = await owned_conversation(world, owner)

    assert await assignees(db, [orphan, inactive_owner]) == [None, None]
    assert (await thread(db, orphan)).assignment_reason == "Not assigned: the contact has no owner"
    assert (await thread(db, inactive_owner)).assignment_reason == (
        "Not assigned: the contact's owner is deactivated or does not see this inbox"
    )
    assert await jobs(db, "email.send") == []
