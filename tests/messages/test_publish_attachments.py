"""Attachments on publish (reference 5.2): every type, files by id, and the global limit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.core.db import Database
from frontdesk.messages.models import MessageFile
from frontdesk.messages.publish import file_usage_type
from tests.files import media
from tests.files.helpers import upload
from tests.messages.publish_setup import (
    count_rows,
    create_file_row,
    error_fields,
    make_bridge,
    publish,
    published,
)

LOCATION = {
    "type": "LOCATION",
    "latitude": 52.52,
    "longitude": 13.405,
    "name": "Office",
    "address": "Unter den Linden 1, Berlin",
    "url": "https://maps.example.com/?q=52.52,13.405",
}
CONTACT = {
    "type": "CONTACT",
    "contactProfile": {
        "addresses": [{"street": "1 Main St", "city": "Springfield", "type": "HOME"}],
        "emails": [{"email": "grace@example.com", "type": "WORK"}],
        "phones": [{"phone": "+14155550123", "type": "CELL"}],
        "urls": [{"url": "https://grace.example.com"}],
        "name": {"firstName": "Grace", "lastName": "Hopper"},
        "org": {"company": "Navy", "title": "Rear Admiral"},
    },
}
QUICK_REPLIES = {
    "type": "QUICK_REPLIES",
    "quickReplies": [
        {"value": "yes", "valueType": "TEXT", "label": "Yes"},
        {"value": "https://example.com/help", "valueType": "URL"},
    ],
    "allowMultiSelect": False,
    "allowUserInput": True,
}
SOCIAL = {
    "type": "SOCIAL_MEDIA_METADATA",
    "socialMetadata": {
        "mediaType": "STORY",
        "id": "story-1",
        "mediaUrl": "https://social.example.com/s/1",
        "thumbnailUrl": "https://social.example.com/s/1.jpg",
    },
}


@pytest.mark.parametrize(
    "attachment",
    [
        LOCATION,
        CONTACT,
        {"type": "UNSUPPORTED_CONTENT"},
        {"type": "MESSAGE_HEADER", "text": "Re: your order"},
        QUICK_REPLIES,
        SOCIAL,
    ],
    ids=lambda a: a["type"],
)
@pytest.mark.asyncio
async def test_structured_attachments_are_stored_as_sent(
    db: Database, client: httpx.AsyncClient, attachment: dict[str, Any]
) -> None:
    bridge = await make_bridge(db)
    message = await published(
        client, bridge, attachments=[attachment], richText="<p>See <b>this</b></p>"
    )
    assert message["attachments"] == [attachment]
    # The answer to the publish is built from what was written, not read back: it must be
    # the message as stored.
    stored = await client.get(f"{bridge.url}/{message['id']}", headers=bridge.auth)
    assert stored.json() == message


@pytest.mark.asyncio
async def test_quick_replies_flags_default_to_false(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    replies = {"type": "QUICK_REPLIES", "quickReplies": [{"value": "a", "valueType": "TEXT"}]}
    message = await published(client, bridge, attachments=[replies])
    assert message["attachments"] == [
        {**replies, "allowMultiSelect": False, "allowUserInput": False}
    ]


@pytest.mark.asyncio
async def test_file_attachments_reference_the_apps_files(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    image = await create_file_row(db, app_id=bridge.app.app_id, name="photo")
    video = await create_file_row(db, app_id=bridge.app.app_id, mime_type="video/mp4", name="clip")
    voice = await create_file_row(db, app_id=bridge.app.app_id, mime_type="audio/ogg", name="note")
    message = await published(
        client,
        bridge,
        text="",
        attachments=[
            {"type": "FILE", "fileId": str(image), "fileUsageType": "IMAGE"},
            {"type": "FILE", "fileId": str(video), "fileUsageType": "OTHER"},
            {"type": "FILE", "fileId": voice, "fileUsageType": "VOICE_RECORDING"},
            {"type": "FILE", "fileId": str(image)},
        ],
    )

    assert message["text"] == ""
    stored = [{k: v for k, v in a.items() if k != "url"} for a in message["attachments"]]
    assert stored == [
        {"type": "FILE", "fileId": str(image), "fileUsageType": "IMAGE", "name": "photo.png"},
        {"type": "FILE", "fileId": str(video), "fileUsageType": "VIDEO", "name": "clip.mp4"},
        {
            "type": "FILE",
            "fileId": str(voice),
            "fileUsageType": "VOICE_RECORDING",
            "name": "note.ogg",
        },
        {"type": "FILE", "fileId": str(image), "fileUsageType": "IMAGE", "name": "photo.png"},
    ]
    assert all(
        f"/files/v3/files/{a['fileId']}/content?" in a["url"] for a in message["attachments"]
    )
    async with db.read() as uow:
        links = (await uow.execute(select(MessageFile.message_id, MessageFile.file_id))).all()
    assert sorted((m, f) for m, f in links) == sorted(
        (int(message["id"]), f) for f in (image, video, voice)
    )


@pytest.mark.asyncio
async def test_file_attachment_is_named_with_its_extension(
    db: Database, client: httpx.AsyncClient
) -> None:
    # Files store "cat" and "png" apart (HubSpot's file object); the attachment names "cat.png".
    bridge = await make_bridge(db)
    uploaded = await upload(client, bridge.app.access_token, media.png(), filename="cat.png")
    assert uploaded.status_code == 201, uploaded.text
    assert (uploaded.json()["name"], uploaded.json()["extension"]) == ("cat", "png")
    message = await published(
        client, bridge, attachments=[{"type": "FILE", "fileId": uploaded.json()["id"]}]
    )
    assert message["attachments"][0]["name"] == "cat.png"


@pytest.mark.parametrize(
    ("requested", "mime_type", "expected"),
    [
        ("OTHER", "video/webm", "VIDEO"),
        ("OTHER", "application/pdf", "OTHER"),
        ("OTHER", "image/png", "OTHER"),
        ("STICKER", "image/webp", "STICKER"),
        ("AUDIO", "audio/mpeg", "AUDIO"),
        ("VIDEO", "video/mp4", "VIDEO"),
        (None, "image/jpeg", "IMAGE"),
        (None, "audio/ogg", "AUDIO"),
        (None, "video/quicktime", "VIDEO"),
        (None, "application/zip", "OTHER"),
    ],
)
def test_file_usage_type(requested: str | None, mime_type: str, expected: str) -> None:
    assert file_usage_type(requested, mime_type) == expected


@pytest.mark.asyncio
async def test_files_of_other_uploaders_are_not_found(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    stranger = await make_bridge(db)
    mine = await create_file_row(db, app_id=bridge.app.app_id)
    theirs = await create_file_row(db, app_id=stranger.app.app_id)
    agents = await create_file_row(db, app_id=None)
    before = await count_rows(db)
    for foreign in (theirs, agents, 987654):
        response = await publish(
            client,
            bridge,
            attachments=[
                {"type": "FILE", "fileId": str(mine)},
                {"type": "FILE", "fileId": str(foreign)},
            ],
        )
        assert response.status_code == 404, response.text
        assert error_fields(response) == ["attachments[1].fileId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_attachment_count_is_limited_by_settings(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    many = [{"type": "UNSUPPORTED_CONTENT"}] * 21  # settings.max_message_attachments is 20
    response = await publish(client, bridge, attachments=many)
    assert response.status_code == 400
    assert error_fields(response) == ["attachments"]
    assert (await publish(client, bridge, attachments=many[:20])).status_code == 201


@pytest.mark.asyncio
async def test_capabilities_never_reject_what_a_customer_sent(
    db: Database, client: httpx.AsyncClient
) -> None:
    # The channel allows 3 outgoing files of 5 MB and no inline images; inbound is unaffected.
    bridge = await make_bridge(db)
    files = [
        await create_file_row(db, app_id=bridge.app.app_id, mime_type="application/zip")
        for _ in range(5)
    ]
    message = await published(
        client,
        bridge,
        richText='<p><i>x</i><img src="https://example.com/x.png"></p>',
        attachments=[{"type": "FILE", "fileId": str(f)} for f in files],
    )
    assert len(message["attachments"]) == 5
