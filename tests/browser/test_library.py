"""The library in a real browser (issue 7): an admin writes and publishes an article, a user
uploads a document and a video with a poster from Settings > Library; then an agent inserts
the article, the document and the video into a reply from the composer's insert menu, on a
rich-text channel that takes PDFs and on a plain-text one, and the bridge receives what each
channel can carry. The contact opens the tracked link and the sidebar counts it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from frontdesk.core.db import Database
from tests.browser.conftest import Agent, SignedIn
from tests.files import media
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import CAPABILITIES, ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio

# The thread world's rich channel (PDFs up to 1 MB) with inline images: the video's poster.
RICH: dict[str, Any] = {**CAPABILITIES, "allowInlineImages": True}
PLAIN: dict[str, Any] = {**CAPABILITIES, "richText": [], "outgoingAttachmentTypes": []}
PDF = b"%PDF-1.4\n% the price list\n"


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


async def _write_article(admin: Agent, server: str) -> None:
    page = admin.page
    await page.goto(f"{server}/settings/library/articles")
    await page.get_by_role("link", name="New article").click()
    await page.get_by_label("Title").fill("Returns and refunds")
    await page.get_by_label("Category").fill("Orders")
    body = page.get_by_role("textbox", name="Body")
    await body.click()
    await page.keyboard.type("Send it back within ")
    await page.get_by_role("button", name="Bold").click()
    await page.keyboard.type("30 days")
    await page.get_by_role("button", name="Create draft").click()
    await expect(page.get_by_role("status")).to_have_text("Article created as a draft.")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_role("status")).to_contain_text("Article published")
    await admin.shot("library-article-edit")
    await (
        page.get_by_role("navigation", name="Settings")
        .get_by_role("link", name="Knowledge base")
        .click()
    )
    await expect(page.locator("#articles")).to_contain_text("Published")
    await admin.shot("library-articles")


async def _upload_document_and_video(user: Agent, server: str, tmp_path: Path) -> None:
    page = user.page
    pdf = tmp_path / "prices.pdf"
    pdf.write_bytes(PDF)
    await page.goto(f"{server}/settings/library/documents")
    form = page.locator("#document-upload")
    await form.get_by_label("File").set_input_files(str(pdf))
    await form.get_by_label("Name").fill("Price list")
    await form.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("status")).to_have_text("Document added.")
    await expect(page.locator("#documents")).to_contain_text("Price list")
    await user.shot("library-documents")

    clip, poster = tmp_path / "tour.mp4", tmp_path / "tour.png"
    clip.write_bytes(media.mp4())
    poster.write_bytes(media.png())
    await page.goto(f"{server}/settings/library/videos")
    form = page.locator("#video-upload")
    await form.get_by_label("Video file").set_input_files(str(clip))
    await form.get_by_label("Name").fill("Product tour")
    await form.get_by_label("Duration").fill("2:15")
    await form.get_by_label("Poster image (optional)").set_input_files(str(poster))
    await form.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("status")).to_have_text("Video added.")
    await expect(page.locator("#videos")).to_contain_text("2:15")
    await user.shot("library-videos")


async def _insert(page: Page, tab: str, option: str) -> None:
    await page.get_by_role("button", name="Insert", exact=True).click()
    menu = page.get_by_role("dialog", name="Insert")
    await expect(menu).to_be_visible()
    await menu.get_by_role("tab", name=tab).click()
    await menu.get_by_role("option", name=re.compile(option)).click()
    await expect(menu).to_be_hidden()


async def _inserted(page: Page, text: str, *, plain: bool) -> None:
    """Wait until the insertion is in the editor (it arrives after the menu closes)."""
    editor = page.get_by_role("textbox", name="Message")
    if plain:
        await expect(editor).to_have_value(re.compile(re.escape(text)))
    else:
        await expect(editor).to_contain_text(text)


async def _compose_and_send(agent: Agent, shot: str, *, plain: bool) -> None:
    page = agent.page
    editor = page.get_by_role("textbox", name="Message")
    await editor.click()
    await page.keyboard.type("Here you go: ")
    await _insert(page, "Knowledge base", "Returns and refunds")
    await _inserted(page, "Returns and refunds", plain=plain)
    await page.keyboard.type(" ")
    await _insert(page, "Documents", "Price list")
    if plain:
        await _inserted(page, "Price list: ", plain=plain)
    else:  # the PDF fits the channel: it is staged as an attachment
        await expect(page.locator(".composer-files")).to_contain_text("prices.pdf")
    await page.keyboard.type(" ")
    await _insert(page, "Videos", "Product tour")
    await _inserted(page, "Product tour (2:15)", plain=plain)
    await agent.shot(shot)
    await editor.press("Enter")


async def _scene(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    server: str,
    tmp_path: Path,
    capabilities: dict[str, Any],
) -> tuple[ThreadWorld, Agent]:
    world = await build_world(db, webhook_url=receiver.url, capabilities=capabilities)
    await publish(api, world, "Can I return my order?")
    admin = await signed_in(name="Ada Admin", role="admin")
    await _write_article(admin, server)
    await _upload_document_and_video(admin, server, tmp_path)
    agent = await signed_in(teams=[world.team])  # inserts what someone else uploaded
    await agent.open_thread(server, world.thread_id)
    return world, agent


async def test_library_inserts_on_a_rich_text_channel(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    server = live_server.url
    _world, agent = await _scene(db, api, receiver, signed_in, server, tmp_path, RICH)
    await _compose_and_send(agent, "library-inserts-rich", plain=False)

    message = (await receiver.wait_for(1))[0].body["message"]
    rich = message["richText"]
    assert f'<a href="{server}/kb/returns-and-refunds"' in rich
    assert "Returns and refunds</a>" in rich
    # The PDF fits the channel (PDFs up to 1 MB): an attachment, not a link.
    [attachment] = message["attachments"]
    assert attachment["type"] == "FILE"
    assert "/d/" not in rich
    # The video does not (no video/* on this channel): its page, poster and label.
    video_url = re.search(rf'href="({re.escape(server)}/v/[^"]+)"', rich)
    assert video_url, rich
    assert f'<img src="{video_url.group(1)}/poster"' in rich
    assert "Product tour (2:15)</a>" in rich
    assert "Product tour (2:15)" in message["text"]

    # The contact opens the video page: its player, poster, name and duration.
    page = agent.page
    await page.goto(video_url.group(1))
    await expect(page.get_by_role("heading", name="Product tour")).to_be_visible()
    await expect(page.locator("video")).to_have_attribute("poster", re.compile("/poster$"))
    await expect(page.locator(".video-duration")).to_have_text("2:15")
    await agent.shot("library-video-page")
    await page.goto(f"{server}/kb/returns-and-refunds")
    await expect(page.locator(".kb-body b")).to_have_text("30 days")
    await agent.shot("library-kb-article")
    await page.get_by_role("link", name="Help center").first.click()
    await expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    await agent.shot("library-kb-index")


async def test_library_inserts_on_a_plain_text_channel(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    server = live_server.url
    world, agent = await _scene(db, api, receiver, signed_in, server, tmp_path, PLAIN)
    await _compose_and_send(agent, "library-inserts-plain", plain=True)

    message = (await receiver.wait_for(1))[0].body["message"]
    assert not message.get("richText")
    assert not message.get("attachments")
    text = message["text"]
    match = re.fullmatch(
        rf"Here you go: Returns and refunds: {re.escape(server)}/kb/returns-and-refunds "
        rf"Price list: ({re.escape(server)}/d/\S+) "
        rf"Product tour \(2:15\): {re.escape(server)}/v/\S+",
        text,
    )
    assert match, text

    # The contact opens the tracked link twice; the sidebar counts the opens.
    async with http_client(server) as contact:
        for _ in range(2):
            opened = await contact.get(urlsplit(match.group(1)).path)
            assert opened.status_code == 303
            assert (await contact.get(opened.headers["location"])).content == PDF
    await agent.open_thread(server, world.thread_id)
    shared = agent.page.locator(".shared-documents")
    await expect(shared.locator("li").first).to_contain_text("Price list")
    await expect(shared.locator("li").first).to_contain_text("2 opens")
    await expect(shared.locator("li").nth(1)).to_contain_text("0 opens")
    await agent.shot("library-sidebar")
