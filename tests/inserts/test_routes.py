"""/frontdesk/v1/threads/{id}/inserts, /frontdesk/v1/snippets and the meeting link of
/frontdesk/v1/users/me."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.inserts import registry
from frontdesk.inserts.registry import Candidate, Insertion, Target
from tests import factories
from tests.api.sweep_helpers import assert_error_body
from tests.conversations.factories import events as logged_events
from tests.factories import bearer
from tests.messages.thread_factories import ThreadSetup, setup_thread

PLAIN: dict[str, object] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "richText": [],
    "outgoingAttachmentTypes": [],
}


def _inserts(setup: ThreadSetup) -> str:
    return f"/frontdesk/v1/threads/{setup.thread_id}/inserts"


async def _snippet(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/frontdesk/v1/snippets", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _meeting(client: httpx.AsyncClient, token: str, link: str | None) -> httpx.Response:
    return await client.patch(
        "/frontdesk/v1/users/me", json={"meetingLink": link}, headers=bearer(token)
    )


@pytest.mark.asyncio
async def test_the_menu_lists_snippets_and_meeting_links_by_kind(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    me = bearer(setup.agent_token)
    await _snippet(client, setup.agent_token, name="Greeting", shortcut="greeting", body="Hi")
    await _snippet(client, setup.agent_token, name="Refunds", shortcut="refund", body="5 days")
    await _snippet(client, setup.outsider_token, name="Secret", shortcut="greet2", body="no")
    assert (
        await _meeting(client, setup.agent_token, "https://cal.example/grace")
    ).status_code == 200
    await _meeting(client, setup.outsider_token, "https://cal.example/out")

    menu = await client.get(_inserts(setup), headers=me)
    assert menu.status_code == 200, menu.text
    groups = {g["kind"]: g for g in menu.json()["results"]}
    assert groups["snippet"]["label"] == "Snippets"
    assert [c["title"] for c in groups["snippet"]["results"]] == ["Greeting", "Refunds"]
    assert groups["snippet"]["results"][0]["detail"] == "#greeting · personal"
    meetings = groups["meeting"]["results"]
    assert [m["title"] for m in meetings] == ["Your meeting link", "Meeting with Outsider"]
    assert meetings[0]["id"] == str(setup.agent_id)

    only = await client.get(_inserts(setup), params={"kind": "snippet", "q": "#gr"}, headers=me)
    assert [g["kind"] for g in only.json()["results"]] == ["snippet"]
    assert [c["title"] for c in only.json()["results"][0]["results"]] == ["Greeting"]
    unknown = await client.get(_inserts(setup), params={"kind": "nope"}, headers=me)
    assert_error_body(unknown, 404)


@pytest.mark.asyncio
async def test_a_snippet_renders_html_on_a_rich_channel_and_text_on_a_plain_one(
    client: httpx.AsyncClient, db: Database
) -> None:
    rich = await setup_thread(db, messages=0)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)
    for setup in (rich, plain):
        snippet = await _snippet(
            client,
            setup.agent_token,
            name="Hi",
            shortcut="hi",
            body="<p>Hello <b>{{contact.firstname}}</b>, {{agent.name}} here.</p>",
        )
        body = {"kind": "snippet", "id": snippet["id"], "mode": "reply"}
        response = await client.post(_inserts(setup), json=body, headers=bearer(setup.agent_token))
        assert response.status_code == 200, response.text
        rendered = response.json()
        assert rendered["text"] == "Hello Ada, Grace Hopper here."
        assert rendered["fileIds"] == []
        if setup is rich:
            assert rendered["html"] == "<p>Hello <b>Ada</b>, Grace Hopper here.</p>"
        else:
            assert rendered["html"] is None
            # An internal comment is Frontdesk's own rich text, whatever the channel.
            comment = await client.post(
                _inserts(setup), json={**body, "mode": "comment"}, headers=bearer(setup.agent_token)
            )
            assert comment.json()["html"] == "<p>Hello <b>Ada</b>, Grace Hopper here.</p>"


@pytest.mark.asyncio
async def test_a_meeting_link_is_a_link_where_links_go_else_text(
    client: httpx.AsyncClient, db: Database
) -> None:
    rich = await setup_thread(db, messages=0)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)
    for setup in (rich, plain):
        await _meeting(client, setup.agent_token, "https://cal.example/grace?a=1&b=2")
        body = {"kind": "meeting", "id": str(setup.agent_id)}
        rendered = (
            await client.post(_inserts(setup), json=body, headers=bearer(setup.agent_token))
        ).json()
        assert rendered["text"] == (
            "Book a meeting with Grace Hopper: https://cal.example/grace?a=1&b=2"
        )
        expected = (
            '<a href="https://cal.example/grace?a=1&amp;b=2">Book a meeting with Grace Hopper</a>'
        )
        assert rendered["html"] == (expected if setup is rich else None)


@pytest.mark.asyncio
async def test_what_the_caller_cannot_see_is_404(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=0)
    theirs = await _snippet(client, setup.outsider_token, name="X", shortcut="x", body="x")
    me = bearer(setup.agent_token)
    for body in (
        {"kind": "snippet", "id": theirs["id"]},
        {"kind": "snippet", "id": "999999"},
        {"kind": "snippet", "id": "abc"},
        {"kind": "meeting", "id": str(setup.outsider_id)},  # no link set
        {"kind": "nope", "id": "1"},
    ):
        assert_error_body(await client.post(_inserts(setup), json=body, headers=me), 404)
    # A thread in an inbox of another team: as if it did not exist.
    mine = await _snippet(client, setup.outsider_token, name="Y", shortcut="y", body="y")
    outsider = bearer(setup.outsider_token)
    hidden = await client.post(
        _inserts(setup), json={"kind": "snippet", "id": mine["id"]}, headers=outsider
    )
    assert_error_body(hidden, 404)
    assert_error_body(await client.get(_inserts(setup), headers=outsider), 404)
    bad_mode = await client.get(_inserts(setup), params={"mode": "shout"}, headers=me)
    assert_error_body(bad_mode, 400)
    app = await client.get(_inserts(setup), headers=bearer(setup.app_token))
    assert_error_body(app, 403)


@pytest.mark.asyncio
async def test_snippet_crud_admins_share_users_keep_their_own(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await factories.create_personal_token(
        db, user_id=await factories.create_user(db, role="admin")
    )
    agent = await factories.create_personal_token(db, user_id=await factories.create_user(db))
    refused = await client.post(
        "/frontdesk/v1/snippets",
        json={"name": "S", "shortcut": "s", "body": "x", "shared": True},
        headers=bearer(agent),
    )
    assert_error_body(refused, 403)
    shared = await _snippet(
        client, admin, name="Thanks", shortcut="thanks", body="Thank you!", shared=True
    )
    assert shared["shared"] is True
    assert shared["ownerId"] is None
    assert shared["body"] == "<p>Thank you!</p>"
    assert shared["text"] == "Thank you!"
    own = await _snippet(client, agent, name="Mine", shortcut="mine", body="<i>mine</i>")
    listed = (await client.get("/frontdesk/v1/snippets", headers=bearer(agent))).json()
    assert [s["name"] for s in listed["results"]] == ["Mine", "Thanks"]
    found = await client.get("/frontdesk/v1/snippets", params={"q": "thank"}, headers=bearer(agent))
    assert [s["name"] for s in found.json()["results"]] == ["Thanks"]
    path = f"/frontdesk/v1/snippets/{shared['id']}"
    assert_error_body(await client.patch(path, json={"name": "N"}, headers=bearer(agent)), 403)
    assert_error_body(await client.delete(path, headers=bearer(agent)), 403)
    patched = await client.patch(path, json={"body": "Merci"}, headers=bearer(admin))
    assert patched.json()["text"] == "Merci"
    own_path = f"/frontdesk/v1/snippets/{own['id']}"
    assert_error_body(await client.get(own_path, headers=bearer(admin)), 404)
    clash = await client.patch(own_path, json={"shortcut": "MINE"}, headers=bearer(agent))
    assert clash.status_code == 200
    invalid = await client.patch(own_path, json={"shortcut": "no spaces"}, headers=bearer(agent))
    assert assert_error_body(invalid, 400)["errors"][0]["in"] == "shortcut"
    unknown_field = await client.patch(own_path, json={"owner": "1"}, headers=bearer(agent))
    assert_error_body(unknown_field, 400)
    assert (await client.delete(own_path, headers=bearer(agent))).status_code == 204
    assert_error_body(await client.get(own_path, headers=bearer(agent)), 404)


@pytest.mark.asyncio
async def test_meeting_link_is_set_on_your_own_user_http_only(
    client: httpx.AsyncClient, db: Database
) -> None:
    user_id = await factories.create_user(db)
    token = await factories.create_personal_token(db, user_id=user_id)
    saved = await _meeting(client, token, " https://cal.example/me ")
    assert saved.json()["meetingLink"] == "https://cal.example/me"
    updated = await logged_events(db, name="user.updated")
    assert updated[-1].payload["changes"] == {"meetingLink": "https://cal.example/me"}
    assert updated[-1].user_ids == [user_id]
    for bad in ("javascript:alert(1)", "ftp://cal.example", "cal.example/me", "https://"):
        refused = await _meeting(client, token, bad)
        assert assert_error_body(refused, 400)["errors"][0]["in"] == "meetingLink"
    me = await client.get("/frontdesk/v1/users/me", headers=bearer(token))
    assert me.json()["meetingLink"] == "https://cal.example/me"
    cleared = await _meeting(client, token, None)
    assert cleared.json()["meetingLink"] is None


class _Files:
    """A source whose insertion carries a file (the library's are of this sort)."""

    kind = "test-files"
    label = "Files"

    async def search(
        self, uow: UnitOfWork, *, target: Target, query: str, limit: int
    ) -> list[Candidate]:
        return [Candidate(kind=self.kind, id="1", title="A file")]

    async def render(self, uow: UnitOfWork, *, target: Target, item_id: str) -> Insertion:
        return Insertion(text="see file", html="<p>see file</p>", file_ids=[7])


@pytest.mark.asyncio
async def test_files_only_where_the_channel_sends_files(
    client: httpx.AsyncClient, db: Database
) -> None:
    rich = await setup_thread(db, messages=0)
    plain = await setup_thread(db, messages=0, capabilities=PLAIN)
    source = registry.register(_Files())
    try:
        body = {"kind": source.kind, "id": "1"}
        with_files = await client.post(_inserts(rich), json=body, headers=bearer(rich.agent_token))
        without = await client.post(_inserts(plain), json=body, headers=bearer(plain.agent_token))
        comment = await client.post(
            _inserts(plain), json={**body, "mode": "comment"}, headers=bearer(plain.agent_token)
        )
        menu = await client.get(_inserts(rich), headers=bearer(rich.agent_token))
    finally:
        registry.unregister(source.kind)
    assert with_files.json() == {"text": "see file", "html": "<p>see file</p>", "fileIds": ["7"]}
    assert without.json() == {"text": "see file", "html": None, "fileIds": []}
    assert comment.json()["fileIds"] == ["7"]  # a comment takes files on any channel
    kinds = [g["kind"] for g in menu.json()["results"]]
    assert kinds[0] == "snippet"
    assert kinds[-1] == "test-files"  # kinds the menu does not know come last
