"""Email end to end: queued in a transaction, sent by the runner to a real SMTP server on
127.0.0.1 (aiosmtpd), and what each of the server's answers does to the job."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select

from frontdesk.app import build_runner
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.jobs import Job
from frontdesk.core.runner import JobRunner, RunnerConfig
from frontdesk.email import service as email_service
from frontdesk.email import tasks as email_tasks
from frontdesk.email.smtp import NOT_CONFIGURED
from tests import factories
from tests.email.smtp_server import SmtpServer, free_port
from tests.factories import bearer
from tests.webhooks.helpers import FakeClock


def smtp_settings(settings: Settings, server: SmtpServer | None, **over: Any) -> Settings:
    """The test settings pointed at `server` (plain SMTP), with `over` on top."""
    update: dict[str, Any] = {"smtp_tls": "none", "smtp_from": "desk@example.test"}
    if server is not None:
        update.update(smtp_host=server.host, smtp_port=server.port)
    return settings.model_copy(update={**update, **over})


def email_runner(db: Database, settings: Settings, clock: FakeClock) -> JobRunner:
    return JobRunner(
        db,
        [email_tasks.job_kind(settings)],
        RunnerConfig(retry_base_s=10),
        clock=clock,
        rng=random.Random(7),  # a first backoff well above zero: "not due yet" is checkable
    )


async def queue_email(db: Database, **over: Any) -> str:
    fields: dict[str, Any] = {"to": "owner@example.test", "subject": "New message", "text": "Hi"}
    async with db.transaction() as uow:
        return await email_service.enqueue_email(uow, **{**fields, **over})


async def email_job(db: Database) -> Any:
    async with db.read() as uow:
        return (await uow.execute(select(Job).where(Job.kind == "email.send"))).one()


@pytest_asyncio.fixture
async def clock() -> AsyncIterator[FakeClock]:
    yield FakeClock()


@pytest.mark.asyncio
async def test_email_queued_in_a_transaction_is_received(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    event_id = await queue_email(
        db,
        subject="Ana wrote\non WhatsApp",
        text="Where is my order?",
        html="<p>Where is my <b>order</b>?</p>",
        reply_to="support@example.test",
    )

    assert await email_runner(db, smtp_settings(settings, smtp_server), clock).run_due() == 1

    [received] = await smtp_server.wait_for(1)
    assert received.envelope_from == "desk@example.test"
    assert received.envelope_to == ["owner@example.test"]
    message = received.message
    assert message["From"] == "desk@example.test"
    assert message["To"] == "owner@example.test"
    assert message["Reply-To"] == "support@example.test"
    assert message["Subject"] == "Ana wrote on WhatsApp"  # no line break in a header
    assert message["Message-ID"] == f"<{event_id}@example.test>"
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/alternative"
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    assert text_part.get_content().strip() == "Where is my order?"
    assert html_part.get_content().strip() == "<p>Where is my <b>order</b>?</p>"
    job = await email_job(db)
    assert (job.status, job.last_error) == ("done", None)


@pytest.mark.asyncio
async def test_text_only_email_is_a_single_part(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    await queue_email(db, text="Just text")

    await email_runner(db, smtp_settings(settings, smtp_server), clock).run_due()

    [received] = await smtp_server.wait_for(1)
    assert received.message.get_content_type() == "text/plain"
    assert received.message["Reply-To"] is None


@pytest.mark.asyncio
async def test_rolled_back_transaction_sends_nothing(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    async def fail_after_queueing() -> None:
        async with db.transaction() as uow:
            await email_service.enqueue_email(uow, to="owner@example.test", subject="S", text="T")
            raise RuntimeError("the change that caused the email failed")

    with pytest.raises(RuntimeError):
        await fail_after_queueing()

    assert await email_runner(db, smtp_settings(settings, smtp_server), clock).run_due() == 0
    assert smtp_server.received == []
    async with db.read() as uow:
        assert (await uow.execute(select(Job))).all() == []


@pytest.mark.asyncio
async def test_the_app_runner_sends_queued_email(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    """The kind is wired into `app.job_kinds`, and a commit wakes the runner."""
    runner = build_runner(smtp_settings(settings, smtp_server), db)
    await runner.start()
    try:
        await queue_email(db, subject="Wired")
        [received] = await smtp_server.wait_for(1)
    finally:
        await runner.stop()
    assert received.message["Subject"] == "Wired"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        (
            {"data_replies": ["554 5.7.1 Message rejected as spam"]},
            "The server answered 554 5.7.1 Message rejected as spam",
        ),
        (
            {"rcpt_replies": ["550 5.1.1 No such user"]},
            "The server refused the recipient 550 5.1.1 No such user",
        ),
    ],
)
async def test_permanent_rejection_ends_the_job_dead_with_the_reason(
    db: Database,
    settings: Settings,
    smtp_server: SmtpServer,
    clock: FakeClock,
    replies: dict[str, list[str]],
    expected: str,
) -> None:
    for name, value in replies.items():
        setattr(smtp_server, name, value)
    await queue_email(db)

    await email_runner(db, smtp_settings(settings, smtp_server), clock).run_due()

    job = await email_job(db)
    assert (job.status, job.attempts, job.last_error) == ("dead", 1, expected)
    assert smtp_server.received == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "replies",
    [{"data_replies": ["451 4.3.0 Try again later"]}, {"rcpt_replies": ["450 4.2.1 Busy"]}],
)
async def test_temporary_failure_is_retried_with_backoff(
    db: Database,
    settings: Settings,
    smtp_server: SmtpServer,
    clock: FakeClock,
    replies: dict[str, list[str]],
) -> None:
    for name, value in replies.items():
        setattr(smtp_server, name, value)
    await queue_email(db)
    runner = email_runner(db, smtp_settings(settings, smtp_server), clock)

    await runner.run_due()
    job = await email_job(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error.startswith("The server ")
    assert " 45" in job.last_error
    assert await runner.run_due() == 0  # backing off: not due yet

    clock.advance(3600)
    assert await runner.run_due() == 1
    await smtp_server.wait_for(1)
    assert (await email_job(db)).status == "done"


@pytest.mark.asyncio
async def test_connection_refused_is_retried(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    nobody = smtp_settings(settings, None, smtp_host="127.0.0.1", smtp_port=free_port())
    await queue_email(db)

    await email_runner(db, nobody, clock).run_due()

    job = await email_job(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error.startswith("Connection failed")


@pytest.mark.asyncio
async def test_a_server_that_never_answers_times_out_and_is_retried(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never greets; the client gives up first
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mute = smtp_settings(settings, None, smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_s=0.2)
    await queue_email(db)
    try:
        await email_runner(db, mute, clock).run_due()
    finally:
        server.close()
        await server.wait_closed()

    job = await email_job(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == f"No answer from 127.0.0.1:{port} within 0.2 s"


@pytest.mark.asyncio
async def test_without_a_server_configured_the_email_is_queued_then_dead(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    event_id = await queue_email(db)
    assert event_id

    await email_runner(db, smtp_settings(settings, None, smtp_host=""), clock).run_due()

    job = await email_job(db)
    assert (job.status, job.attempts, job.last_error) == ("dead", 1, NOT_CONFIGURED)


@pytest.mark.asyncio
async def test_login_with_the_configured_credentials(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    config = smtp_settings(
        settings, smtp_server, smtp_username="mailer", smtp_password=SecretStr("s3cret")
    )
    await queue_email(db)

    await email_runner(db, config, clock).run_due()

    await smtp_server.wait_for(1)
    assert smtp_server.logins == [("mailer", "s3cret")]


@pytest.mark.asyncio
async def test_refused_login_is_retried(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    """Wrong credentials are the settings' fault, not the message's: fixing them helps."""
    config = smtp_settings(
        settings, smtp_server, smtp_username="mailer", smtp_password=SecretStr("nope")
    )
    await queue_email(db)

    await email_runner(db, config, clock).run_due()

    job = await email_job(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error.startswith("The server refused the login 535")
    assert smtp_server.received == []


@pytest.mark.asyncio
async def test_starttls_required_but_not_offered_is_not_sent_in_clear(
    db: Database, settings: Settings, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    await queue_email(db)

    await email_runner(
        db, smtp_settings(settings, smtp_server, smtp_tls="starttls"), clock
    ).run_due()

    job = await email_job(db)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "STARTTLS" in job.last_error
    assert smtp_server.received == []


@pytest.mark.asyncio
async def test_a_line_break_in_an_address_is_refused_before_anything_is_queued(
    db: Database,
) -> None:
    with pytest.raises(ValueError, match="line break"):
        await queue_email(db, to="owner@example.test\r\nBcc: everyone@example.test")
    async with db.read() as uow:
        assert (await uow.execute(select(Job))).all() == []


@pytest.mark.asyncio
async def test_admins_see_a_dead_email_in_the_delivery_log_and_replay_it(
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    clock: FakeClock,
) -> None:
    """Queued while email was off: once a server is configured, replaying sends it."""
    event_id = await queue_email(db, subject="Replay me")
    await email_runner(db, smtp_settings(settings, None, smtp_host=""), clock).run_due()
    admin_id = await factories.create_user(db, role="admin")
    admin = bearer(await factories.create_personal_token(db, user_id=admin_id))

    listed = await client.get(
        "/frontdesk/v1/deliveries", params={"kind": "email.send"}, headers=admin
    )
    assert listed.status_code == 200, listed.text
    [job] = listed.json()["results"]
    assert (job["eventId"], job["status"], job["lastError"]) == (event_id, "dead", NOT_CONFIGURED)

    replayed = await client.post(f"/frontdesk/v1/deliveries/{job['id']}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.text
    await email_runner(db, smtp_settings(settings, smtp_server), clock).run_due()

    [received] = await smtp_server.wait_for(1)
    assert received.message["Message-ID"].startswith(f"<{event_id}@")
    assert (await email_job(db)).status == "done"
