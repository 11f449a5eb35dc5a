"""GET /frontdesk/v1/search/threads: the JSON shape, filters from the query string, the caller's
inboxes, paging links, and HubSpot's error body for bad input."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from frontdesk.core.db import Database
from tests.conversations.inbox_world import InboxWorld, build_world, new_thread
from tests.factories import bearer

pytestmark = pytest.mark.asyncio
URL = "/frontdesk/v1/search/threads"


@pytest_asyncio.fixture
async def world(db: Database) -> InboxWorld:
    return await build_world(db)


async def test_results_and_shape(client: httpx.AsyncClient, world: InboxWorld) -> None:
    t = await new_thread(client, world, account=world.chat_a, at=1, text="<script>x</script> hi")
    await new_thread(client, world, account=world.chat_b, at=2, text="<script>x</script> hi")
    response = await client.get(URL, params={"q": "script"}, headers=bearer(world.agent_token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["threadId"] for r in body["results"]] == [str(t)]
    result = body["results"][0]
    assert result["channelName"] == "Chat"
    assert result["contactName"] == "Ada Lovelace"
    assert result["status"] == "OPEN"
    assert result["timestamp"].startswith("2026-03-01T10:00:01")
    assert {"text": "script", "match": True} in result["snippet"]
    assert "paging" not in body


async def test_filters_and_paging_link(client: httpx.AsyncClient, world: InboxWorld) -> None:
    made = [
        await new_thread(client, world, account=world.chat_a, at=n, text=f"order {n}")
        for n in range(3)
    ]
    params = {"q": "order", "channelId": str(world.chat_id), "status": "open", "limit": "2"}
    response = await client.get(URL, params=params, headers=bearer(world.admin_token))
    body = response.json()
    assert [r["threadId"] for r in body["results"]] == [str(made[2]), str(made[1])]
    link = body["paging"]["next"]["link"]
    assert "channelId=" in link
    assert "after=" in link
    response = await client.get(
        URL,
        params={**params, "after": body["paging"]["next"]["after"]},
        headers=bearer(world.admin_token),
    )
    assert [r["threadId"] for r in response.json()["results"]] == [str(made[0])]
    response = await client.get(
        URL,
        params={
            "q": "order",
            "since": "2026-03-01",
            "until": "2026-03-01",
            "assigneeId": "unassigned",
            "hasAttachments": "false",
        },
        headers=bearer(world.admin_token),
    )
    assert len(response.json()["results"]) == 3
    response = await client.get(
        URL, params={"q": "order", "until": "2026-02-28"}, headers=bearer(world.admin_token)
    )
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "status": "PENDING"}, "status"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "limit": "101"}, "limit"),
        ({"q": "x", "since": "yesterday"}, "since"),
        ({"q": "x", "assigneeId": "bob"}, "assigneeId"),
        ({"q": "x", "after": "not-a-cursor"}, "after"),
        ({"q": "x" * 501}, "q"),
        ({"q": "x", "channelId": "abc"}, None),
    ],
)
async def test_bad_input_is_a_400_in_hubspots_error_body(
    client: httpx.AsyncClient, world: InboxWorld, params: dict[str, str], field: str | None
) -> None:
    response = await client.get(URL, params=params, headers=bearer(world.agent_token))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert "correlationId" in body
    if field is not None:
        assert any(e.get("in") == field for e in body["errors"]), body


@pytest.mark.parametrize("q", ['"', "NEAR(", "*", ":", "'", "\\", '"a', "a*b*c", "-x"])
async def test_hostile_queries_answer_200(
    client: httpx.AsyncClient, world: InboxWorld, q: str
) -> None:
    await new_thread(client, world, account=world.chat_a, at=1, text="near a b c")
    response = await client.get(URL, params={"q": q}, headers=bearer(world.agent_token))
    assert response.status_code == 200, response.text


async def test_needs_a_user(client: httpx.AsyncClient, world: InboxWorld) -> None:
    assert (await client.get(URL, params={"q": "x"})).status_code == 401
    response = await client.get(URL, params={"q": "x"}, headers=bearer(world.app.access_token))
    assert response.status_code == 403
