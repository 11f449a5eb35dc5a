"""Publishing messages (reference 5, DESIGN 4): the happy paths of both threading models,
idempotency, contacts, rich text and who may publish."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from frontdesk.apps import service as app_service
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import ThreadIntegrationId, ThreadKey
from frontdesk.core.db import Database
from frontdesk.messages.models import Message
from tests import factories
from tests.messages.publish_setup import (
    BUSINESS_PHONE,
    count_rows,
    error_fields,
    event_rows,
    make_bridge,
    message_body,
    new_key,
    new_phone,
    participant,
    publish,
    published,
    set_thread,
    thread_row,
)


@pytest.mark.asyncio
async def test_publish_incoming_creates_thread_contact_and_events(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    body = message_body(bridge, richText="<p>Hi, is my <b>order</b> shipped?</p>")
    response = await publish(client, bridge, body)

    assert response.status_code == 201, response.text
    message = response.json()
    assert response.headers["location"] == f"{bridge.url}/{message['id']}"
    assert message["type"] == "MESSAGE"
    assert message["direction"] == "INCOMING"
    assert message["text"] == body["text"]
    assert message["richText"] == "<p>Hi, is my <b>order</b> shipped?</p>"
    assert message["channelId"] == str(bridge.channel_id)
    assert message["channelAccountId"] == str(bridge.account_id)
    assert message["status"] == {"statusType": "RECEIVED"}
    assert message["client"] == {
        "clientType": "INTEGRATION",
        "integrationAppId": bridge.app.app_id,
    }
    assert message["createdBy"] == f"I-{bridge.app.app_id}"
    assert message["createdAt"] == "2026-03-01T10:00:00.000Z"
    assert message["truncationStatus"] == "NOT_TRUNCATED"
    assert message["archived"] is False
    assert "integrationThreadId" not in message
    assert "integrationIdempotencyId" not in message

    thread = await thread_row(db, message["conversationsThreadId"])
    assert (thread.inbox_id, thread.channel_id, thread.channel_account_id) == (
        bridge.inbox_id,
        bridge.channel_id,
        bridge.account_id,
    )
    assert thread.status == "OPEN"
    sender = message["senders"][0]
    assert sender == {
        "actorId": f"V-{thread.contact_id}",
        "name": "Ada",
        "deliveryIdentifier": body["senders"][0]["deliveryIdentifier"],
    }
    assert message["recipients"] == [participant(BUSINESS_PHONE, name="Acme Support")]
    assert thread.latest_message_at == thread.latest_received_at
    assert thread.latest_sent_at is None

    async with db.read() as uow:
        contact = (await uow.execute(select(Contact).where(Contact.id == thread.contact_id))).one()
        ids = (await uow.execute(select(ThreadIntegrationId))).all()
    assert contact.name == "Ada"
    assert contact.phone == body["senders"][0]["deliveryIdentifier"]["value"]
    assert [(r.thread_id, r.integration_thread_id) for r in ids] == [
        (thread.id, body["integrationThreadId"])
    ]

    created = await event_rows(db, "conversation.created")
    assert [e.payload["threadId"] for e in created] == [str(thread.id)]
    assert created[0].inbox_id == bridge.inbox_id
    (event,) = await event_rows(db, "message.created")
    assert event.inbox_id == bridge.inbox_id
    assert event.payload["messageId"] == message["id"]
    assert event.payload["preview"] == body["text"]
    assert event.payload["direction"] == "INCOMING"


@pytest.mark.asyncio
async def test_integration_threading_groups_by_integration_thread_id(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    first = await published(client, bridge, integrationThreadId="chat-1")
    second = await published(
        client, bridge, integrationThreadId="chat-1", timestamp="2026-03-01T11:00:00Z"
    )
    other = await published(client, bridge, integrationThreadId="chat-2")

    assert first["conversationsThreadId"] == second["conversationsThreadId"]
    assert other["conversationsThreadId"] != first["conversationsThreadId"]
    assert len(await event_rows(db, "conversation.created")) == 2
    assert len(await event_rows(db, "message.created")) == 3
    thread = await thread_row(db, first["conversationsThreadId"])
    assert thread.latest_message_at == thread.latest_received_at == 1772362800000  # 11:00


@pytest.mark.asyncio
async def test_an_older_message_never_moves_the_thread_back(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    late = await published(
        client, bridge, integrationThreadId="c", timestamp="2026-03-01T11:00:00Z"
    )
    early = await published(
        client, bridge, integrationThreadId="c", timestamp="2026-03-01T09:00:00Z"
    )
    assert early["createdAt"] == "2026-03-01T09:00:00.000Z"
    thread = await thread_row(db, late["conversationsThreadId"])
    assert thread.latest_message_at == thread.latest_received_at == 1772362800000  # 11:00


@pytest.mark.asyncio
async def test_integration_threading_requires_integration_thread_id(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    before = await count_rows(db)
    response = await publish(client, bridge, integrationThreadId=None)
    assert response.status_code == 400
    assert error_fields(response) == ["integrationThreadId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_delivery_identifier_threading_groups_by_normalised_sender(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db, threading_model="DELIVERY_IDENTIFIER")
    first = await published(
        client, bridge, integrationThreadId=None, senders=[participant("+1 415 555 0142")]
    )
    # The same number written without "+" and spaces is the same party, hence the same thread.
    second = await published(
        client, bridge, integrationThreadId="ignored-1", senders=[participant("14155550142")]
    )
    other = await published(client, bridge, integrationThreadId=None)

    assert first["conversationsThreadId"] == second["conversationsThreadId"]
    assert other["conversationsThreadId"] != first["conversationsThreadId"]
    assert first["senders"][0]["deliveryIdentifier"]["value"] == "+14155550142"
    assert first["senders"][0]["actorId"] == second["senders"][0]["actorId"]
    async with db.read() as uow:
        keys = (await uow.execute(select(ThreadKey).order_by(ThreadKey.id))).all()
        ids = (await uow.execute(select(ThreadIntegrationId))).all()
    assert (keys[0].key_kind, keys[0].key) == (
        "DELIVERY_IDENTIFIER",
        "HS_PHONE_NUMBER:+14155550142",
    )
    # A thread keeps every integration thread id it answered to.
    assert [r.integration_thread_id for r in ids] == ["ignored-1"]


@pytest.mark.asyncio
async def test_outgoing_mirror_keys_by_recipient_and_is_sent(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db, threading_model="DELIVERY_IDENTIFIER")
    customer = new_phone()
    incoming = await published(client, bridge, senders=[participant(customer, name="Ada")])
    agent = await factories.create_user(db)
    outgoing = await published(
        client,
        bridge,
        messageDirection="OUTGOING",
        senders=[{**participant(BUSINESS_PHONE), "senderActorId": f"A-{agent}"}],
        recipients=[participant(customer)],
        timestamp="2026-03-01T12:00:00Z",
    )

    assert outgoing["conversationsThreadId"] == incoming["conversationsThreadId"]
    assert outgoing["direction"] == "OUTGOING"
    assert outgoing["status"] == {"statusType": "SENT"}
    assert outgoing["senders"][0]["actorId"] == f"A-{agent}"
    assert outgoing["recipients"][0]["actorId"] == incoming["senders"][0]["actorId"]
    thread = await thread_row(db, outgoing["conversationsThreadId"])
    assert thread.latest_sent_at == thread.latest_message_at == 1772366400000  # 12:00
    assert thread.latest_received_at == 1772359200000  # 10:00


@pytest.mark.asyncio
async def test_external_party_is_required(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    response = await publish(client, bridge, messageDirection="OUTGOING", recipients=[])
    assert response.status_code == 400
    assert error_fields(response) == ["recipients"]


@pytest.mark.asyncio
async def test_future_timestamp_is_clamped_to_now(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    message = await published(client, bridge, timestamp="2999-01-01T00:00:00Z")
    assert message["createdAt"] < "2999"
    thread = await thread_row(db, message["conversationsThreadId"])
    assert thread.latest_message_at < 32503680000000  # year 3000


@pytest.mark.asyncio
async def test_repeat_of_idempotency_key_returns_first_message_and_emits_nothing(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    body = message_body(bridge)
    first = await publish(client, bridge, body)
    before = await count_rows(db)
    repeat = await publish(client, bridge, {**body, "text": "changed on retry"})

    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert await count_rows(db) == before  # no message, no event


@pytest.mark.asyncio
async def test_idempotency_key_is_per_channel(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    other = await make_bridge(db, app=bridge.app, inbox_id=bridge.inbox_id)
    one = await published(client, bridge, integrationIdempotencyId="same")
    two = await published(client, other, integrationIdempotencyId="same")
    assert one["id"] != two["id"]


@pytest.mark.asyncio
async def test_messages_without_idempotency_key_are_all_stored(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    body = message_body(bridge, integrationIdempotencyId=None)
    one = await published(client, bridge, body)
    two = await published(client, bridge, body)
    assert one["id"] != two["id"]
    assert one["conversationsThreadId"] == two["conversationsThreadId"]


@pytest.mark.asyncio
async def test_opaque_ids_of_two_channels_never_merge_contacts(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    other = await make_bridge(db, app=bridge.app, inbox_id=bridge.inbox_id)
    opaque = participant("user-42", kind="CHANNEL_SPECIFIC_OPAQUE_ID")
    one = await published(client, bridge, senders=[opaque])
    two = await published(client, other, senders=[opaque])
    again = await published(client, bridge, senders=[opaque])

    assert one["senders"][0]["actorId"] != two["senders"][0]["actorId"]
    assert again["senders"][0]["actorId"] == one["senders"][0]["actorId"]
    async with db.read() as uow:
        scopes = (
            await uow.execute(select(ContactIdentity.channel_scope).order_by(ContactIdentity.id))
        ).scalars()
        assert list(scopes) == [bridge.channel_id, other.channel_id]


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("HS_PHONE_NUMBER", "+1 (415) 555-0177", "+14155550177"),
        ("HS_EMAIL_ADDRESS", "Ada@Example.com", "ada@example.com"),
    ],
)
@pytest.mark.asyncio
async def test_phone_and_email_identities_are_global(
    db: Database, client: httpx.AsyncClient, kind: str, first: str, second: str
) -> None:
    bridge = await make_bridge(db)
    other = await make_bridge(db)  # another app's channel, even
    one = await published(client, bridge, senders=[participant(first, kind=kind)])
    two = await published(client, other, senders=[participant(second, kind=kind)])
    assert one["senders"][0]["actorId"] == two["senders"][0]["actorId"]
    async with db.read() as uow:
        contacts = (await uow.execute(select(Contact))).all()
    assert len(contacts) == 1
    column = "phone" if kind == "HS_PHONE_NUMBER" else "email"
    assert getattr(contacts[0], column) == second


@pytest.mark.asyncio
async def test_contact_name_is_filled_once(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    phone = new_phone()
    first = await published(client, bridge, senders=[participant(phone)])
    await published(client, bridge, senders=[participant(phone, name="Grace")])
    await published(client, bridge, senders=[participant(phone, name="Someone Else")])
    contact_id = int(first["senders"][0]["actorId"][2:])
    async with db.read() as uow:
        name = await uow.scalar(select(Contact.name).where(Contact.id == contact_id))
    assert name == "Grace"


@pytest.mark.asyncio
async def test_associate_with_contact_sets_the_conversation_contact(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    known = await published(client, bridge)
    known_id = int(known["senders"][0]["actorId"][2:])
    phone = new_phone()

    associated = await published(
        client, bridge, senders=[participant(phone)], associateWithContactId=str(known_id)
    )
    thread = await thread_row(db, associated["conversationsThreadId"])
    assert thread.contact_id == known_id
    assert associated["senders"][0]["actorId"] == f"V-{known_id}"
    # The new identity now belongs to that contact: later messages find it without help.
    later = await published(client, bridge, senders=[participant(phone)])
    assert later["senders"][0]["actorId"] == f"V-{known_id}"
    async with db.read() as uow:
        assert await uow.scalar(select(func.count()).select_from(Contact)) == 1


@pytest.mark.asyncio
async def test_associate_with_contact_on_an_existing_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    known = await published(client, bridge)
    known_id = int(known["senders"][0]["actorId"][2:])
    first = await published(client, bridge, integrationThreadId="chat-9")
    await published(
        client,
        bridge,
        integrationThreadId="chat-9",
        preResolvedContacts={
            "contacts": [{"contactVid": known_id, "contactPropertiesLeadingToMatch": ["phone"]}]
        },
    )
    thread = await thread_row(db, first["conversationsThreadId"])
    assert thread.contact_id == known_id
    (updated,) = await event_rows(db, "conversation.updated")
    assert updated.payload["changes"] == {"associatedContactId": str(known_id)}


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("associateWithContactId", "999999", "associateWithContactId"),
        (
            "preResolvedContacts",
            {"contacts": [{"contactVid": 999999, "contactPropertiesLeadingToMatch": []}]},
            "preResolvedContacts.contacts[0].contactVid",
        ),
    ],
)
@pytest.mark.asyncio
async def test_unknown_associated_contact_is_404(
    db: Database, client: httpx.AsyncClient, field: str, value: object, where: str
) -> None:
    bridge = await make_bridge(db)
    before = await count_rows(db)
    response = await publish(client, bridge, **{field: value})
    assert response.status_code == 404
    assert error_fields(response) == [where]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_hostile_rich_text_is_sanitised(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    hostile = (
        '<p onclick="steal()">Hello<script>alert(1)</script>'
        '<img src="https://cdn.example.com/a.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a>'
        '<a href="https://example.com" target="_blank">ok</a>'
        "<iframe src='https://evil.example'></iframe><style>p{}</style></p>"
    )
    message = await published(client, bridge, richText=hostile)
    rich = message["richText"]
    for bad in ("script", "alert", "onerror", "onclick", "javascript", "iframe", "style"):
        assert bad not in rich
    assert '<img src="https://cdn.example.com/a.png">' in rich
    assert '<a href="https://example.com" rel="noopener noreferrer">ok</a>' in rich
    async with db.read() as uow:
        stored = await uow.scalar(select(Message.rich_text).where(Message.id == int(message["id"])))
    assert stored == rich


@pytest.mark.asyncio
async def test_read_scope_cannot_publish(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    async with db.transaction() as uow:
        token = await app_service.create_token(
            uow,
            kind="app",
            app_id=bridge.app.app_id,
            scopes=["conversations.custom_channels.read"],
        )
    response = await client.post(
        bridge.url, json=message_body(bridge), headers=factories.bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"


@pytest.mark.asyncio
async def test_publish_needs_an_app_token(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    assert (await client.post(bridge.url, json=message_body(bridge))).status_code == 401
    user_id = await factories.create_user(db, role="admin")
    token = await factories.create_personal_token(db, user_id=user_id)
    response = await client.post(
        bridge.url, json=message_body(bridge), headers=factories.bearer(token)
    )
    assert response.status_code == 403


@pytest.mark.asyncio
async def test_foreign_and_archived_channels_are_not_found(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    stranger = await make_bridge(db)
    response = await client.post(bridge.url, json=message_body(bridge), headers=stranger.auth)
    assert response.status_code == 404

    async with db.transaction() as uow:
        await uow.execute(
            update(Channel).where(Channel.id == bridge.channel_id).values(archived=True)
        )
    response = await publish(client, bridge)
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.asyncio
async def test_every_custom_channel_prefix_publishes(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    for prefix in ("/conversations/custom-channels/v3", "/conversations/custom-channels/2026-03"):
        response = await client.post(
            f"{prefix}/{bridge.channel_id}/messages",
            json=message_body(bridge),
            headers=bridge.auth,
        )
        assert response.status_code == 201, response.text
        assert response.headers["location"].startswith(prefix)


@pytest.mark.asyncio
async def test_archived_thread_is_never_reused(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    first = await published(client, bridge, integrationThreadId="chat-a")
    await set_thread(db, first["conversationsThreadId"], archived=True, status="CLOSED")
    second = await published(client, bridge, integrationThreadId="chat-a")
    assert second["conversationsThreadId"] != first["conversationsThreadId"]
    async with db.read() as uow:
        key = (await uow.execute(select(ThreadKey))).one()
    assert str(key.thread_id) == second["conversationsThreadId"]


@pytest.mark.asyncio
async def test_default_properties_of_the_account_seed_a_new_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount)
            .where(ChannelAccount.id == bridge.account_id)
            .values(default_properties={"priority": "HIGH"})
        )
    message = await published(client, bridge, integrationThreadId=new_key("t"))
    assert (await thread_row(db, message["conversationsThreadId"])).properties == {
        "priority": "HIGH"
    }
