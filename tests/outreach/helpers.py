"""A thread whose contact has email addresses, and the requests the tests send."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.config import Settings
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from frontdesk.core.jobs import Job
from frontdesk.core.runner import JobRunner, RunnerConfig
from frontdesk.email import tasks as email_tasks
from frontdesk.messages.models import Message
from tests.messages.thread_factories import ThreadSetup, setup_thread
from tests.webhooks.helpers import FakeClock

ADDRESS = "ada@example.test"
OTHER_ADDRESS = "ada.work@example.test"


async def email_thread(db: Database, *, addresses: tuple[str, ...] = (ADDRESS,)) -> ThreadSetup:
    """`setup_thread` whose contact has `addresses`: the first as the email property, the
    others as HS_EMAIL_ADDRESS identities."""
    setup = await setup_thread(db, messages=1)
    async with db.transaction() as uow:
        if addresses:
            await uow.execute(
                update(Contact).where(Contact.id == setup.contact_id).values(email=addresses[0])
            )
        for address in addresses[1:]:
            await uow.execute(
                insert(ContactIdentity).values(
                    contact_id=setup.contact_id,
                    type="HS_EMAIL_ADDRESS",
                    value=address,
                    channel_scope=0,
                )
            )
    return setup


def emails_url(setup: ThreadSetup) -> str:
    return f"/frontdesk/v1/threads/{setup.thread_id}/emails"


def calls_url(setup: ThreadSetup) -> str:
    return f"/frontdesk/v1/threads/{setup.thread_id}/calls"


def email_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "to": ADDRESS,
        "subject": "Your order",
        "text": "It ships today.",
        "richText": "<p>It ships <b>today</b>.</p>",
    }
    return {**body, **over}


def runner(db: Database, settings: Settings, clock: FakeClock) -> JobRunner:
    """The runner of `email.send` jobs alone, on a clock the test moves."""
    return JobRunner(
        db,
        [email_tasks.job_kind(settings)],
        RunnerConfig(retry_base_s=10, max_attempts=2),
        clock=clock,
        rng=random.Random(7),
    )


async def message(db: Database, message_id: int | str) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Message).where(Message.id == int(message_id)))).one()


async def jobs(db: Database) -> list[Any]:
    async with db.read() as uow:
        return list((await uow.execute(select(Job).order_by(Job.id))).all())


async def events(db: Database, name: str) -> list[Any]:
    async with db.read() as uow:
        rows = await uow.execute(select(EventRow).order_by(EventRow.id))
        return [r for r in rows if r.name == name]
