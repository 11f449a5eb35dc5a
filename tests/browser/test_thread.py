"""The open conversation in a real browser (issue 4): reply and watch its delivery status,
drop an image, see a refused file explained, reassign and close live across two agents."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, expect
from sqlalchemy import func, select, update

from frontdesk.channels.models import ChannelAccount
from frontdesk.core.db import Database
from frontdesk.demo import media
from frontdesk.files.models import File
from tests.browser.conftest import SignedIn
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import V3, ThreadWorld, build_world, publish, publish_media

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


@pytest_asyncio.fixture
async def world(db: Database, api: httpx.AsyncClient, receiver: Receiver) -> ThreadWorld:
    """A Chatterbox thread whose replies are delivered to the test bridge."""
    built = await build_world(db, webhook_url=receiver.url)
    await publish(api, built, "Hi! My parcel arrived damaged. Order #4471.")
    return built


async def acknowledge(
    api: httpx.AsyncClient, world: ThreadWorld, message_id: str, status: str
) -> None:
    """What the bridge does after delivering a reply: report its status."""
    response = await api.patch(
        f"{V3}/{world.channel_id}/messages/{message_id}",
        json={"statusType": status},
        headers=world.auth,
    )
    assert response.status_code == 200, response.text


async def drop_files(page: Page, files: list[tuple[str, str, bytes]]) -> None:
    """Drag files from the desktop onto the open conversation (name, MIME type, bytes)."""
    payload = [(name, kind, base64.b64encode(data).decode()) for name, kind, data in files]
    transfer = await page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, type, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type }));
            }
            return transfer;
        }""",
        payload,
    )
    target = page.locator(".conversation")
    await target.dispatch_event("dragenter", {"dataTransfer": transfer})
    await expect(page.locator(".composer.dragging")).to_be_visible()
    await target.dispatch_event("drop", {"dataTransfer": transfer})


async def test_reply_shows_pending_then_sent_then_read(
    signed_in: SignedIn,
    live_server: LiveServer,
    world: ThreadWorld,
    receiver: Receiver,
    api: httpx.AsyncClient,
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    editor = page.get_by_role("textbox", name="Message")
    await editor.click()
    await page.keyboard.type("Sorry about that! A replacement ships today.")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("Tracking follows.")
    await page.keyboard.press("Enter")

    reply = page.locator("article.msg-outgoing", has_text="A replacement ships today")
    await expect(reply).to_have_attribute("data-status", "PENDING")
    await expect(reply.locator(".delivery")).to_have_text("Sending…")
    await expect(editor).to_have_text("")

    delivered = await receiver.wait_for(1)
    message = delivered[0].body["message"]
    assert message["text"] == "Sorry about that! A replacement ships today.\nTracking follows."
    await expect(reply).to_have_attribute("data-message-id", message["id"])
    await agent.shot("thread-reply-pending")

    await acknowledge(api, world, message["id"], "SENT")
    await expect(reply).to_have_attribute("data-status", "SENT")
    await expect(reply.locator(".delivery")).to_have_text("Sent")

    await acknowledge(api, world, message["id"], "READ")
    await expect(reply).to_have_attribute("data-status", "READ")
    await expect(reply.locator(".delivery")).to_have_text("Read")
    await expect(page.locator(f'article[data-message-id="{message["id"]}"]')).to_have_count(1)
    await agent.shot("thread-reply-read")


async def test_a_failed_reply_shows_the_reason(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    await agent.page.get_by_role("textbox", name="Message").fill("Can you confirm your address?")
    await agent.page.get_by_role("button", name="Send").click()
    reply = agent.page.locator("article.msg-outgoing[data-message-id]", has_text="address")
    await expect(reply).to_have_attribute("data-status", "PENDING")
    message_id = await reply.get_attribute("data-message-id")
    assert message_id is not None
    response = await api.patch(
        f"{V3}/{world.channel_id}/messages/{message_id}",
        json={"statusType": "FAILED", "errorMessage": "The recipient blocked this number"},
        headers=world.auth,
    )
    assert response.status_code == 200, response.text
    await expect(reply).to_have_attribute("data-status", "FAILED")
    await expect(reply.locator(".delivery")).to_have_text(
        "Failed: The recipient blocked this number"
    )


async def test_a_customer_message_appears_without_reload(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    message_id = await publish(api, world, "Are you still there?")
    incoming = agent.page.locator(f'article.msg-incoming[data-message-id="{message_id}"]')
    await expect(incoming).to_contain_text("Are you still there?")
    await expect(incoming).to_have_count(1)


async def test_internal_comment_by_keyboard(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, receiver: Receiver
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    await page.locator(".messages-scroller").click()  # focus outside any field
    await page.keyboard.press("c")
    await expect(page.locator(".composer")).to_have_attribute("data-mode", "comment")
    await page.keyboard.type("Customer since 2019: replace it.")
    await page.keyboard.press("Enter")
    note = page.locator("article.msg-comment[data-message-id]", has_text="Customer since 2019")
    await expect(note).to_be_visible()
    await expect(note.locator(".tag-internal")).to_have_text("Internal note")
    await expect(note.locator(".delivery")).to_have_count(0)
    await page.keyboard.type("Draft of a second note")
    await agent.shot("thread-comment")
    assert receiver.received == []  # a comment never leaves Frontdesk


async def test_drop_an_image_and_see_it_in_the_thread(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, receiver: Receiver
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    await drop_files(page, [("sunset.png", "image/png", media.sunset_png())])
    chip = page.locator(".file-chip", has_text="sunset.png")
    await expect(chip).to_have_class("file-chip ready")
    await page.get_by_role("textbox", name="Message").fill("Is this the damage you mean?")
    await page.get_by_role("button", name="Send").click()

    reply = page.locator("article.msg-outgoing[data-message-id]", has_text="damage you mean")
    image = reply.locator(".att-image img")
    await expect(image).to_be_visible()
    await expect(image).to_have_attribute("src", re.compile(r"^/files/v3/files/\d+/content$"))
    # The picture really loads through its authenticated URL (the sunset is 320 px wide).
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=await image.element_handle()
    )
    delivered = await receiver.wait_for(1)
    attachments = delivered[0].body["message"]["attachments"]
    assert [a["name"] for a in attachments] == ["sunset.png"]

    await image.click()
    viewer = page.get_by_role("dialog", name="Image")
    await expect(viewer).to_be_visible()
    await expect(viewer.locator(".image-viewer-name")).to_have_text("sunset.png")
    await agent.shot("thread-image-viewer")
    await page.keyboard.press("Escape")
    await expect(viewer).to_be_hidden()


async def test_a_refused_file_says_why_and_uploads_nothing(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, db: Database
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    error = page.locator(".composer-error")

    await drop_files(page, [("notes.txt", "text/plain", b"hello")])
    await expect(error).to_be_visible()
    await expect(error).to_have_text(
        "notes.txt is a text/plain file; this channel sends only image/png, image/jpeg, "
        "application/pdf."
    )
    await agent.shot("thread-refused-file")

    await drop_files(page, [("scan.pdf", "application/pdf", b"%PDF" + b"0" * 1_200_000)])
    await expect(error).to_have_text("scan.pdf is 1.1 MB; this channel sends files up to 976.6 KB.")

    images = [(f"p{i}.png", "image/png", media.sunset_png()) for i in range(3)]
    await drop_files(page, images)
    await expect(error).to_have_text("This channel sends at most 2 files per message.")

    await expect(page.locator(".file-chip")).to_have_count(0)
    async with db.read() as uow:
        assert await uow.scalar(select(func.count()).select_from(File)) == 0


async def test_reassign_in_one_browser_and_see_it_in_another(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld
) -> None:
    grace = await signed_in(teams=[world.team], name="Grace Hopper")
    alan = await signed_in(teams=[world.team], name="Alan Turing")
    await grace.open_thread(live_server.url, world.thread_id)
    await alan.open_thread(live_server.url, world.thread_id)

    await grace.page.get_by_label("Owner", exact=True).select_option(label="Alan Turing")

    owner = alan.page.get_by_label("Owner", exact=True)
    await expect(owner).to_have_value(str(alan.user_id))
    await expect(alan.page.locator(".assignment-reason")).to_have_text("Assigned by Grace Hopper")
    await expect(alan.page.locator(".prop-assignee")).to_have_text("Alan Turing")
    await expect(
        alan.page.locator("article.msg-system", has_text="Grace Hopper assigned the conversation")
    ).to_contain_text("Grace Hopper assigned the conversation to Alan Turing")
    await alan.shot("thread-reassigned-other-agent")

    await alan.page.get_by_label("Owner", exact=True).select_option(label="Unassigned")
    await expect(grace.page.get_by_label("Owner", exact=True)).to_have_value("")
    await expect(grace.page.locator(".prop-assignee")).to_have_text("Unassigned")


async def test_close_and_reopen(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld
) -> None:
    grace = await signed_in(teams=[world.team], name="Grace Hopper")
    alan = await signed_in(teams=[world.team], name="Alan Turing")
    await grace.open_thread(live_server.url, world.thread_id)
    await alan.open_thread(live_server.url, world.thread_id)

    await grace.page.get_by_role("button", name="Close").click()
    for page in (grace.page, alan.page):
        await expect(page.locator(".conv-header .status-badge")).to_have_text("Closed")
        await expect(page.get_by_role("button", name="Reopen")).to_be_visible()
        await expect(page.locator(".prop-status")).to_have_text("Closed")
    await expect(
        alan.page.locator("article.msg-system", has_text="Grace Hopper closed the conversation")
    ).to_have_count(1)
    await grace.shot("thread-closed")

    await alan.page.locator(".messages-scroller").click()
    await alan.page.keyboard.press("e")  # the shortcut reopens
    for page in (grace.page, alan.page):
        await expect(page.locator(".conv-header .status-badge")).to_have_text("Open")
        await expect(page.get_by_role("button", name="Close")).to_be_visible()
    await expect(
        grace.page.locator("article.msg-system", has_text="Alan Turing reopened the conversation")
    ).to_have_count(1)


async def test_media_loads_and_plays_through_authenticated_urls(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    kinds = await publish_media(api, world)
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page

    def article(kind: str) -> Locator:
        return page.locator(f'article[data-message-id="{kinds[kind]}"]')

    for kind in ("image", "sticker"):
        picture = article(kind).locator("img")
        await picture.scroll_into_view_if_needed()
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await picture.element_handle()
        )
    for kind, selector in (("voice", "audio"), ("audio", "audio"), ("video", "video")):
        player = article(kind).locator(f"{selector}[controls]")
        await expect(player).to_be_visible()
        await page.wait_for_function(
            "media => media.readyState >= 1 && media.duration > 0",
            arg=await player.element_handle(),
        )
    download = article("file").get_by_role("link", name=re.compile("invoice.pdf"))
    await expect(download).to_have_attribute("download", "invoice.pdf")
    await expect(download).to_contain_text("KB")
    await page.locator(".messages-scroller").evaluate(
        "box => { box.scrollTop = -box.scrollHeight; }"
    )
    await agent.shot("thread-media")


async def test_a_deactivated_account_blocks_replies_but_not_comments(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, db: Database
) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount).where(ChannelAccount.id == world.account_id).values(active=False)
        )
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    blocked = page.locator(".composer-blocked")
    await expect(blocked).to_contain_text("The account Support line is deactivated")
    await expect(page.get_by_role("button", name="Send")).to_be_disabled()
    await expect(page.get_by_role("button", name="Attach files")).to_be_disabled()
    await expect(page.get_by_role("textbox", name="Message")).to_have_attribute(
        "contenteditable", "false"
    )
    await agent.shot("thread-replies-blocked")

    await page.get_by_role("tab", name="Internal comment").click()
    await expect(blocked).to_be_hidden()
    await page.keyboard.type("Account is off: call her instead.")
    await page.keyboard.press("Enter")
    await expect(page.locator("article.msg-comment[data-message-id]")).to_contain_text(
        "call her instead"
    )


async def test_formatting_leaves_only_what_the_channel_delivers(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, receiver: Receiver
) -> None:
    agent = await signed_in(teams=[world.team])
    await agent.open_thread(live_server.url, world.thread_id)
    page = agent.page
    toolbar = page.get_by_role("toolbar", name="Formatting")
    labels = [
        await b.get_attribute("aria-label") for b in await toolbar.get_by_role("button").all()
    ]
    assert labels == ["Bold", "Italic", "Link"]  # the channel's richText: BOLD, ITALIC, HYPERLINK

    editor = page.get_by_role("textbox", name="Message")
    await editor.click()
    await page.keyboard.type("Your refund is ")
    await toolbar.get_by_role("button", name="Bold").click()
    await page.keyboard.type("approved")
    await toolbar.get_by_role("button", name="Bold").click()
    # Formatting the channel cannot deliver (as if pasted by another editor) is dropped.
    await editor.evaluate(
        """e => e.insertAdjacentHTML("beforeend",
            ' <u>today</u> <span style="color:red">via <a href="javascript:x()">us</a></span>')"""
    )
    await page.keyboard.press("End")
    await page.keyboard.press("Enter")

    delivered = await receiver.wait_for(1)
    message = delivered[0].body["message"]
    assert message["text"] == "Your refund is approved today via us"
    assert message["richText"] == "Your refund is <b>approved</b> today via us"
    reply = page.locator("article.msg-outgoing[data-message-id]")
    await expect(reply.locator(".msg-body b")).to_have_text("approved")
