"""Switching channel in a real browser (issue 7): from the picker above the composer, email the
contact (the SMTP server on 127.0.0.1 gets it, the conversation shows it and its status turns
Sent live; the channel's bridge gets nothing), then log a call and find it on the contact's
timeline under the Calls filter."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import select, update

from frontdesk.config import Settings
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.core.jobs import Job
from tests.browser.conftest import SignedIn
from tests.email.smtp_server import SmtpServer
from tests.email.test_sending import smtp_settings
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio
ADDRESS = "marie@example.test"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    """The served app sends email to the test's SMTP server."""
    return smtp_settings(settings, smtp_server)


@pytest_asyncio.fixture
async def world(
    db: Database, live_server: LiveServer, receiver: Receiver
) -> AsyncIterator[ThreadWorld]:
    """A Chatterbox thread (replies go to the test bridge) whose contact has an email."""
    built = await build_world(db, webhook_url=receiver.url)
    async with http_client(live_server.url) as api:
        await publish(api, built, "Hi! Where is my parcel? Order #4471.")
    async with db.transaction() as uow:
        contact_id = await uow.scalar(select(Thread.contact_id).where(Thread.id == built.thread_id))
        await uow.execute(update(Contact).where(Contact.id == contact_id).values(email=ADDRESS))
    yield built


async def _contact_id(db: Database, thread_id: int) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(Thread.contact_id).where(Thread.id == thread_id)))


async def test_email_the_contact_then_log_a_call(
    signed_in: SignedIn,
    live_server: LiveServer,
    world: ThreadWorld,
    db: Database,
    smtp_server: SmtpServer,
    receiver: Receiver,
) -> None:
    agent = await signed_in(teams=[world.team])
    page = agent.page
    await agent.open_thread(live_server.url, world.thread_id)
    picker = page.get_by_label("Reply via")
    await expect(picker.locator("option")).to_have_text(["Chatterbox", "Email", "Log a call"])

    await picker.select_option(label="Email")

    email_form = page.locator(".email-form")
    await expect(email_form).to_be_visible()
    await expect(page.locator("#composer")).to_be_hidden()
    await expect(email_form.get_by_label("To")).to_have_value(ADDRESS)
    subject = email_form.get_by_label("Subject")
    await expect(subject).to_have_value(re.compile(r"^Your conversation with "))
    await subject.fill("Your parcel #4471")
    send = email_form.get_by_role("button", name="Send email")
    await send.click()
    await expect(email_form.locator(".switch-error")).to_have_text("Write the email first.")
    body = email_form.get_by_role("textbox", name="Email body")
    await body.click()
    await page.keyboard.type("It left our warehouse ")
    await page.keyboard.press("Control+B")
    await page.keyboard.type("today")
    await agent.shot("switch-channel-email-form")
    await send.click()

    [received] = await smtp_server.wait_for(1)
    assert received.envelope_to == [ADDRESS]
    assert received.message["Subject"] == "Your parcel #4471"
    text_part = received.message.get_body(preferencelist=("plain",))
    html_part = received.message.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    assert text_part.get_content().strip() == "It left our warehouse today"
    assert re.search(r"<(b|strong)>today</(b|strong)>", html_part.get_content())
    article = page.locator("article.msg-email")
    await expect(article).to_have_count(1)
    await expect(article.locator(".email-subject")).to_have_text("Your parcel #4471")
    await expect(article.locator(".email-to")).to_have_text(f"To: {ADDRESS}")
    await expect(article.locator(".delivery")).to_have_attribute("data-status", "SENT")
    await expect(article.locator(".delivery-label")).to_have_text("Sent")
    await expect(body).to_have_text("")
    await expect(email_form.locator(".switch-error")).to_be_hidden()
    async with db.read() as uow:
        kinds = list((await uow.execute(select(Job.kind))).scalars())
    assert kinds == ["email.send"]  # nothing for the channel's bridge
    assert receiver.received == []

    await picker.select_option(label="Log a call")
    call_form = page.locator(".call-form")
    await expect(call_form).to_be_visible()
    await call_form.get_by_label("Outcome").select_option(label="Left voicemail")
    await call_form.get_by_label("Duration (min:sec)").fill("2:05")
    await call_form.get_by_label("Call notes").fill("Asked her to call back about #4471")
    await call_form.get_by_role("button", name="Log call").click()

    call = page.locator("article.msg-call")
    await expect(call).to_have_count(1)
    await expect(call.locator(".call-outcome")).to_have_text("Left voicemail")
    await expect(call.locator(".call-duration")).to_have_text("2:05")
    await expect(call.locator(".msg-body")).to_have_text("Asked her to call back about #4471")
    await expect(call.locator(".msg-sender")).to_have_text(agent.name)
    await expect(call_form.get_by_label("Call notes")).to_have_value("")
    await agent.shot("switch-channel-conversation")

    # `c` (like `r`) writes on the thread's own channel again, whatever was picked.
    await call.locator(".msg-body").click()
    await page.keyboard.press("c")
    await expect(page.locator("#composer")).to_be_visible()
    await expect(page.locator("#composer")).to_have_attribute("data-mode", "comment")
    await expect(call_form).to_be_hidden()
    await expect(picker).to_have_value("thread")

    contact_id = await _contact_id(db, world.thread_id)
    await page.goto(f"{live_server.url}/contacts/{contact_id}")
    items = page.locator(".timeline-item")
    await expect(items).to_have_count(3)
    await page.get_by_label("Type").select_option(label="Calls")
    await page.wait_for_url(re.compile(r"type=call"))
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("Left voicemail")
    await expect(items.first).to_contain_text("2:05")
    await expect(items.first).to_contain_text("Asked her to call back about #4471")
    await page.get_by_label("Type").select_option(label="Emails")
    await page.wait_for_url(re.compile(r"type=email"))
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("Your parcel #4471")
    await expect(items.first.locator(".item-status")).to_have_text("Sent")
    await agent.shot("switch-channel-timeline-emails")
