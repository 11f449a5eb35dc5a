"""The composer's insert menu in a real browser (issue 7): snippets (from the menu and by
typing `#shortcut`) and a meeting link set on the Profile page go into a reply, on a rich-text
channel and on a plain-text one, and the bridge receives what the channel can carry."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, expect

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.inserts import registry
from frontdesk.inserts import snippets as snippet_service
from frontdesk.inserts.registry import Candidate, Insertion, Target
from tests import factories
from tests.browser.conftest import Agent, SignedIn
from tests.files import media
from tests.files.helpers import upload
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import CAPABILITIES, ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio

PLAIN: dict[str, Any] = {**CAPABILITIES, "richText": [], "outgoingAttachmentTypes": []}
MEETING = "https://cal.example/grace?type=30min"


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


async def _world(
    db: Database, api: httpx.AsyncClient, receiver: Receiver, capabilities: dict[str, Any]
) -> ThreadWorld:
    world = await build_world(db, webhook_url=receiver.url, capabilities=capabilities)
    await publish(api, world, "Hello, can we talk about my order?")
    admin_id = await factories.create_user(db, role="admin")
    async with db.transaction() as uow:
        for name, shortcut, body in (
            (
                "Greeting",
                "greeting",
                "<p>Hello <b>{{contact.firstname}}</b>, I am {{agent.firstname}}.</p>",
            ),
            ("Thanks", "thx", "Thanks for your patience!"),
        ):
            await snippet_service.create_snippet(
                uow,
                editor=snippet_service.Editor(user_id=admin_id, is_admin=True),
                name=name,
                shortcut=shortcut,
                body=body,
                shared=True,
            )
    return world


async def _set_meeting_link(agent: Agent, server: str) -> None:
    page = agent.page
    await page.goto(f"{server}/settings/profile")
    await page.get_by_label("Meeting link").fill(MEETING)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Profile saved.")
    await expect(page.get_by_label("Meeting link")).to_have_value(MEETING)


async def _contains(editor: Locator, text: str, *, plain: bool, present: bool = True) -> None:
    """The editor holds `text` (a textarea's value, or the rich editor's text)."""
    if plain:
        pattern = re.compile(re.escape(text))
        if present:
            await expect(editor).to_have_value(pattern)
        else:
            await expect(editor).not_to_have_value(pattern)
    elif present:
        await expect(editor).to_contain_text(text)
    else:
        await expect(editor).not_to_contain_text(text)


async def _compose(page: Page, agent: Agent, shot: str, *, plain: bool) -> None:
    """Greeting from the menu (search, Enter), Thanks by `#thx`, the meeting link from its
    tab (arrow keys), then send."""
    editor = page.get_by_role("textbox", name="Message")
    await editor.click()
    insert = page.get_by_role("button", name="Insert")
    menu = page.get_by_role("dialog", name="Insert")
    await insert.click()
    await expect(menu).to_be_visible()
    await page.keyboard.press("Escape")  # closes, back in the editor
    await expect(menu).to_be_hidden()
    await expect(editor).to_be_focused()
    await insert.click()
    await expect(menu).to_be_visible()
    await expect(menu.get_by_role("tab", name="Snippets")).to_have_attribute(
        "aria-selected", "true"
    )
    search = menu.get_by_role("combobox", name="Search")
    await expect(search).to_be_focused()
    await search.fill("greet")
    await expect(menu.get_by_role("option")).to_have_count(1)
    await expect(menu.get_by_role("option")).to_contain_text("#greeting")
    await agent.shot(f"{shot}-menu")
    await page.keyboard.press("Enter")
    await expect(menu).to_be_hidden()
    await _contains(editor, "Hello Marie, I am Grace.", plain=plain)

    await page.keyboard.type(" #th")
    await expect(menu).to_be_visible()
    await expect(menu.get_by_role("option", name="Thanks")).to_have_attribute(
        "aria-selected", "true"
    )
    await agent.shot(f"{shot}-hash")
    await page.keyboard.press("Enter")
    await expect(menu).to_be_hidden()
    await _contains(editor, "Thanks for your patience!", plain=plain)
    await _contains(editor, "#th", plain=plain, present=False)

    await page.keyboard.type(" ")
    await insert.click()
    await menu.get_by_role("tab", name="Meeting links").click()
    await expect(menu.get_by_role("option")).to_have_count(1)
    await page.keyboard.press("ArrowDown")  # wraps around to the only one
    await page.keyboard.press("Enter")
    await _contains(editor, "Book a meeting with Grace Hopper", plain=plain)
    await agent.shot(f"{shot}-composed")
    await editor.press("Enter")
    await _contains(editor, "Book a meeting", plain=plain, present=False)


async def test_inserts_on_a_rich_text_channel(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    live_server: LiveServer,
) -> None:
    world = await _world(db, api, receiver, CAPABILITIES)
    agent = await signed_in(teams=[world.team])
    await _set_meeting_link(agent, live_server.url)
    await agent.shot("inserts-profile")
    await agent.open_thread(live_server.url, world.thread_id)
    await _compose(agent.page, agent, "inserts-rich", plain=False)

    message = (await receiver.wait_for(1))[0].body["message"]
    assert "Hello Marie, I am Grace." in message["text"]
    assert "Thanks for your patience!" in message["text"]
    assert "#th" not in message["text"]
    rich = message["richText"]
    assert "<b>Marie</b>" in rich
    assert f'<a href="{MEETING}"' in rich
    assert "Book a meeting with Grace Hopper</a>" in rich


async def test_inserts_on_a_plain_text_channel(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    live_server: LiveServer,
) -> None:
    world = await _world(db, api, receiver, PLAIN)
    agent = await signed_in(teams=[world.team])
    await _set_meeting_link(agent, live_server.url)
    await agent.open_thread(live_server.url, world.thread_id)
    await _compose(agent.page, agent, "inserts-plain", plain=True)

    message = (await receiver.wait_for(1))[0].body["message"]
    assert message["text"] == (
        "Hello Marie, I am Grace. Thanks for your patience! "
        f"Book a meeting with Grace Hopper: {MEETING}"
    )
    assert not message.get("richText")


async def test_snippets_page_personal_and_shared(
    db: Database, signed_in: SignedIn, live_server: LiveServer
) -> None:
    admin = await signed_in(name="Ada Admin", role="admin")
    page = admin.page
    await page.goto(f"{live_server.url}/settings/snippets")
    form = page.locator("#create-snippet")
    await form.get_by_label("Name").fill("Opening hours")
    await form.get_by_label("Shortcut").fill("hours now")
    await form.get_by_label("Text").fill("We are open 9-17, {{contact.firstname}}.")
    await form.get_by_label("Shared with everyone").check()
    await form.get_by_role("button", name="Add snippet").click()
    await expect(page.locator("#error-shortcut")).to_contain_text("shortcut must be")
    await form.get_by_label("Shortcut").fill("hours")
    await form.get_by_role("button", name="Add snippet").click()
    await expect(page.get_by_role("status")).to_have_text("Snippet created.")
    await expect(page.locator("#shared-snippets")).to_contain_text("#hours")
    await admin.shot("inserts-snippets-admin")

    agent = await signed_in(name="Grace Hopper")
    page = agent.page
    await page.goto(f"{live_server.url}/settings/snippets")
    await expect(
        page.locator("#create-snippet").get_by_label("Shared with everyone")
    ).to_have_count(0)
    shared_row = page.locator("#shared-snippets tr", has_text="Opening hours")
    await expect(shared_row.get_by_role("link", name="View")).to_be_visible()
    form = page.locator("#create-snippet")
    await form.get_by_label("Name").fill("My sign-off")
    await form.get_by_label("Shortcut").fill("bye")
    await form.get_by_label("Text").fill("Cheers,\n{{agent.firstname}}")
    await form.get_by_role("button", name="Add snippet").click()
    await expect(page.locator("#own-snippets")).to_contain_text("#bye")
    await page.locator("#own-snippets").get_by_role("link", name="Edit").click()
    await page.get_by_label("Name").fill("My farewell")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Snippet saved.")
    await agent.shot("inserts-snippets-agent")
    await page.get_by_role("button", name="Delete snippet").click()
    await page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("status")).to_have_text("Snippet deleted.")
    await expect(page.locator("#own-snippets")).to_contain_text("no snippets of your own")


class _Handouts:
    """A source of a kind the menu has never heard of, whose insertion carries a file."""

    kind = "handout"
    label = "Handouts"

    def __init__(self, file_id: int) -> None:
        self.file_id = file_id

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        return [Candidate(kind=self.kind, id="1", title="Returns form", detail="PNG")]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        return Insertion(text="Here is the returns form.", file_ids=[self.file_id])


async def test_a_new_kind_of_content_shows_as_a_tab_and_its_file_is_staged(
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
    signed_in: SignedIn,
    live_server: LiveServer,
) -> None:
    """The menu needs nothing per kind: a source registered by any package is a tab, and its
    insertion's files join the reply like uploaded ones."""
    world = await _world(db, api, receiver, CAPABILITIES)
    agent = await signed_in(teams=[world.team])
    token = await factories.create_personal_token(db, user_id=agent.user_id)
    uploaded = await upload(api, token, media.png(), filename="returns.png")
    assert uploaded.status_code == 201, uploaded.text
    source = registry.register(_Handouts(int(uploaded.json()["id"])))
    try:
        await agent.open_thread(live_server.url, world.thread_id)
        page = agent.page
        await page.get_by_role("textbox", name="Message").click()
        await page.get_by_role("button", name="Insert").click()
        menu = page.get_by_role("dialog", name="Insert")
        await menu.get_by_role("tab", name="Handouts").click()
        await menu.get_by_role("option", name="Returns form").click()
        await expect(menu).to_be_hidden()
        chip = page.locator(".composer-files .file-chip")
        await expect(chip).to_contain_text("returns.png")
        await agent.shot("inserts-file-staged")
        await page.get_by_role("button", name="Send").click()
        message = (await receiver.wait_for(1))[0].body["message"]
    finally:
        registry.unregister(source.kind)
    assert message["text"] == "Here is the returns form."
    assert len(message["attachments"]) == 1
