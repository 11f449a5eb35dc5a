"""A thread's history: list, sort, paging, get one, original content, visibility."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.messages.system import add_system_message
from tests import factories
from tests.factories import bearer
from tests.messages.thread_factories import (
    BASE_MS,
    PREFIX,
    ThreadSetup,
    add_message,
    create_file,
    setup_thread,
)


def _messages_url(setup: ThreadSetup) -> str:
    return f"{PREFIX}/threads/{setup.thread_id}/messages"


async def _all_pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], params: dict[str, Any]
) -> list[str]:
    ids: list[str] = []
    after: str | None = None
    for _ in range(50):
        page = await client.get(url, headers=headers, params={**params, "after": after or ""})
        assert page.status_code == 200, page.text
        body = page.json()
        assert "total" not in body
        ids += [m["id"] for m in body["results"]]
        if "paging" not in body:
            return ids
        after = body["paging"]["next"]["after"]
        assert f"after={after}" in body["paging"]["next"]["link"]
    raise AssertionError("paging never ended")


@pytest.mark.asyncio
async def test_history_is_newest_first_by_default(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=3)
    response = await client.get(_messages_url(setup), headers=bearer(setup.app_token))
    assert response.status_code == 200
    body = response.json()
    assert [m["id"] for m in body["results"]] == [str(i) for i in reversed(setup.message_ids)]
    assert "paging" not in body
    assert "total" not in body
    first = body["results"][0]
    assert first["type"] == "MESSAGE"
    assert first["conversationsThreadId"] == str(setup.thread_id)
    assert first["direction"] == "INCOMING"
    assert first["status"] == {"statusType": "RECEIVED"}
    assert first["text"] == "message 2"


@pytest.mark.asyncio
async def test_history_sorts_oldest_first_on_request(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=3)
    headers = bearer(setup.app_token)
    ascending = await client.get(
        _messages_url(setup), headers=headers, params={"sort": "createdAt"}
    )
    descending = await client.get(
        _messages_url(setup), headers=headers, params={"sort": "-createdAt"}
    )
    assert [m["id"] for m in ascending.json()["results"]] == [str(i) for i in setup.message_ids]
    assert [m["id"] for m in descending.json()["results"]] == [
        str(i) for i in reversed(setup.message_ids)
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("sort", ["createdAt", "-createdAt"])
async def test_history_pages_without_duplicates_or_gaps(
    client: httpx.AsyncClient, db: Database, sort: str
) -> None:
    setup = await setup_thread(db, messages=5)
    # Two more messages sharing one timestamp: the cursor must break the tie by id.
    for _ in range(2):
        setup.message_ids.append(
            await add_message(
                db,
                thread_id=setup.thread_id,
                created_at=BASE_MS + 10_000,
                contact_id=setup.contact_id,
            )
        )
    expected = [str(i) for i in setup.message_ids]
    if sort == "-createdAt":
        expected.reverse()
    ids = await _all_pages(
        client, _messages_url(setup), bearer(setup.app_token), {"limit": 2, "sort": sort}
    )
    assert ids == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "id"}, "sort"),
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "WzFd"}, "after"),  # a well-formed cursor holding [1]
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
    ],
)
async def test_history_rejects_bad_paging(
    client: httpx.AsyncClient, db: Database, params: dict[str, Any], field: str
) -> None:
    setup = await setup_thread(db, messages=1)
    response = await client.get(
        _messages_url(setup), headers=bearer(setup.app_token), params=params
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == field


@pytest.mark.asyncio
async def test_history_renders_every_message_type(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=1)
    await add_message(
        db,
        thread_id=setup.thread_id,
        created_at=BASE_MS + 5000,
        type="COMMENT",
        text="internal note",
        created_by=f"A-{setup.agent_id}",
    )
    async with db.transaction() as uow:
        await add_system_message(
            uow,
            thread_id=setup.thread_id,
            type="ASSIGNMENT",
            extra={"assignedTo": f"A-{setup.agent_id}"},
            created_by="S-routing",
        )
        await add_system_message(
            uow,
            thread_id=setup.thread_id,
            type="THREAD_STATUS_CHANGE",
            extra={"newStatus": "CLOSED"},
            created_by=f"A-{setup.agent_id}",
        )
    response = await client.get(
        _messages_url(setup), headers=bearer(setup.app_token), params={"sort": "createdAt"}
    )
    by_type = {m["type"]: m for m in response.json()["results"]}
    assert set(by_type) == {"MESSAGE", "COMMENT", "ASSIGNMENT", "THREAD_STATUS_CHANGE"}
    assert by_type["COMMENT"]["text"] == "internal note"
    assert by_type["COMMENT"]["richText"] == "internal note"
    assert by_type["ASSIGNMENT"]["assignedTo"] == f"A-{setup.agent_id}"
    assert by_type["THREAD_STATUS_CHANGE"]["newStatus"] == "CLOSED"
    assert by_type["THREAD_STATUS_CHANGE"]["client"] == {"clientType": "SYSTEM"}


@pytest.mark.asyncio
async def test_file_attachments_carry_signed_download_urls(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=0)
    file_id = await create_file(db, app_id=setup.app.app_id)
    attachment = {"type": "FILE", "fileId": str(file_id), "fileUsageType": "IMAGE"}
    message_id = await add_message(
        db,
        thread_id=setup.thread_id,
        created_at=BASE_MS,
        contact_id=setup.contact_id,
        attachments=[attachment],
        file_ids=[file_id],
    )
    response = await client.get(
        f"{_messages_url(setup)}/{message_id}", headers=bearer(setup.app_token)
    )
    url = response.json()["attachments"][0]["url"]
    assert url.startswith(f"http://testserver/files/v3/files/{file_id}/content?expires=")
    assert "signature=" in url


@pytest.mark.asyncio
async def test_get_message_only_on_its_own_thread(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=2)
    other = await setup_thread(db, messages=1)
    headers = bearer(setup.app_token)
    found = await client.get(f"{_messages_url(setup)}/{setup.message_ids[0]}", headers=headers)
    assert found.status_code == 200
    assert found.json()["id"] == str(setup.message_ids[0])
    assert found.json()["text"] == "message 0"
    foreign = await client.get(f"{_messages_url(setup)}/{other.message_ids[0]}", headers=headers)
    assert foreign.status_code == 404
    assert foreign.json()["category"] == "OBJECT_NOT_FOUND"
    missing = await client.get(f"{_messages_url(setup)}/999999", headers=headers)
    assert missing.status_code == 404


@pytest.mark.asyncio
async def test_original_content_is_never_truncated(
    client: httpx.AsyncClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "message_truncate_chars", 10)
    setup = await setup_thread(db, messages=0)
    text = "A long message, well past ten characters."
    rich = f"<p>{text}</p>"
    message_id = await add_message(
        db,
        thread_id=setup.thread_id,
        created_at=BASE_MS,
        contact_id=setup.contact_id,
        text=text,
        rich_text=rich,
    )
    headers = bearer(setup.app_token)
    url = f"{_messages_url(setup)}/{message_id}"
    shown = (await client.get(url, headers=headers)).json()
    assert shown["text"] == text[:10]
    assert shown["richText"] == rich[:10]
    assert shown["truncationStatus"] == "TRUNCATED"
    listed = (await client.get(_messages_url(setup), headers=headers)).json()["results"][0]
    assert listed["truncationStatus"] == "TRUNCATED"
    original = await client.get(f"{url}/original-content", headers=headers)
    assert original.status_code == 200
    assert original.json() == {"text": text, "richText": rich}


@pytest.mark.asyncio
async def test_original_content_of_plain_text_repeats_the_text(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    url = f"{_messages_url(setup)}/{setup.message_ids[0]}/original-content"
    response = await client.get(url, headers=bearer(setup.app_token))
    assert response.json() == {"text": "message 0", "richText": "message 0"}


@pytest.mark.asyncio
async def test_only_members_of_the_inbox_see_its_history(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    admin_id = await factories.create_user(db, role="admin")
    admin_token = await factories.create_personal_token(db, user_id=admin_id)
    base = _messages_url(setup)
    urls = [
        base,
        f"{base}/{setup.message_ids[0]}",
        f"{base}/{setup.message_ids[0]}/original-content",
    ]
    for url in urls:
        outsider = await client.get(url, headers=bearer(setup.outsider_token))
        assert outsider.status_code == 404, url
        assert outsider.json()["category"] == "OBJECT_NOT_FOUND"
        for token in (setup.agent_token, admin_token, setup.app_token):
            assert (await client.get(url, headers=bearer(token))).status_code == 200, url


@pytest.mark.asyncio
async def test_archived_thread_history_needs_archived_true(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=2, archived=True)
    headers = bearer(setup.app_token)
    assert (await client.get(_messages_url(setup), headers=headers)).status_code == 404
    archived = await client.get(_messages_url(setup), headers=headers, params={"archived": True})
    assert archived.status_code == 200
    assert len(archived.json()["results"]) == 2


@pytest.mark.asyncio
async def test_history_is_served_under_every_path_alias(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await setup_thread(db, messages=1)
    for prefix in (
        "/conversations/conversations/v3",
        "/conversations/conversations/2026-09",
        "/conversations/conversations/2026-09-beta",
    ):
        response = await client.get(
            f"{prefix}/threads/{setup.thread_id}/messages", headers=bearer(setup.app_token)
        )
        assert response.status_code == 200, prefix
