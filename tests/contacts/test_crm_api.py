"""HubSpot's CRM contacts API (/crm/v3/objects/contacts): create, get, update, list and
search; duplicates, unknown ids and bad input in HubSpot's error body, writing nothing; scopes;
and a bridge that pre-creates a contact and publishes with `associateWithContactId`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.contacts.models import ContactIdentity
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows, token_with
from tests.factories import bearer
from tests.messages.publish_setup import make_bridge, published
from tests.messages.thread_factories import new_phone

pytestmark = pytest.mark.asyncio
CONTACTS = "/crm/v3/objects/contacts"
READ, WRITE = "crm.objects.contacts.read", "crm.objects.contacts.write"


async def app_token(db: Database, *scopes: str) -> dict[str, str]:
    app = await factories.create_app(db)
    return bearer(await token_with(db, scopes=list(scopes or (READ, WRITE)), app_id=app.app_id))


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **properties: Any
) -> httpx.Response:
    return await client.post(CONTACTS, json={"properties": properties}, headers=headers)


async def test_create_then_get_returns_hubspots_object(
    db: Database, client: httpx.AsyncClient
) -> None:
    headers = await app_token(db)
    owner = await factories.create_user(db, name="Olive Owner")
    phone = new_phone()

    response = await create(
        client,
        headers,
        email="Ada@Example.com",
        firstname="Ada",
        lastname="King Lovelace",
        phone=phone,
        hubspot_owner_id=str(owner),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    contact_id = body["id"]
    assert response.headers["location"].endswith(f"{CONTACTS}/{contact_id}")
    assert body["archived"] is False
    assert body["createdAt"].endswith("Z")
    assert body["updatedAt"].endswith("Z")
    assert body["properties"] | {"createdate": None, "lastmodifieddate": None} == {
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "King Lovelace",
        "phone": phone,
        "hubspot_owner_id": str(owner),
        "hs_object_id": contact_id,
        "createdate": None,
        "lastmodifieddate": None,
    }
    fetched = await client.get(f"{CONTACTS}/{contact_id}", headers=headers)
    assert fetched.status_code == 200, fetched.text
    assert set(fetched.json()["properties"]) == {
        "createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"
    }  # fmt: skip
    # The Frontdesk record holds the joined name, and the email and phone find the contact.
    admin = await factories.create_user(db, role="admin")
    record = await client.get(
        f"/frontdesk/v1/contacts/{contact_id}",
        headers=bearer(await factories.create_personal_token(db, user_id=admin)),
    )
    assert record.json()["name"] == "Ada King Lovelace"
    async with db.read() as uow:
        identities = set(
            (
                await uow.execute(
                    select(ContactIdentity.type, ContactIdentity.value).where(
                        ContactIdentity.contact_id == int(contact_id)
                    )
                )
            ).all()
        )
    assert identities == {("HS_EMAIL_ADDRESS", "ada@example.com"), ("HS_PHONE_NUMBER", phone)}


async def test_get_by_email_and_chosen_properties(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    created = (await create(client, headers, email="grace@example.com", firstname="Grace")).json()

    response = await client.get(
        f"{CONTACTS}/GRACE@example.com",
        params={"idProperty": "email", "properties": "phone,firstname,nonsense"},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == created["id"]
    assert set(body["properties"]) == {
        "phone", "firstname", "hs_object_id", "createdate", "lastmodifieddate"
    }  # fmt: skip
    assert body["properties"]["firstname"] == "Grace"
    assert body["properties"]["phone"] is None


async def test_a_second_contact_with_one_email_is_409_naming_the_first(
    db: Database, client: httpx.AsyncClient
) -> None:
    headers = await app_token(db)
    first = (await create(client, headers, email="dup@example.com")).json()
    before = await count_rows(db)

    again = await create(client, headers, email="DUP@example.com", firstname="Other")

    body = assert_error_body(again, 409, "CONFLICT")
    assert body["message"] == f"Contact already exists. Existing ID: {first['id']}"
    assert await count_rows(db) == before


async def test_update_changes_only_what_is_sent(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    contact = (
        await create(client, headers, email="x@example.com", firstname="Ann", lastname="Lee")
    ).json()
    taken = (await create(client, headers, email="taken@example.com")).json()
    url = f"{CONTACTS}/{contact['id']}"

    renamed = await client.patch(url, json={"properties": {"lastname": "Smith"}}, headers=headers)
    cleared = await client.patch(url, json={"properties": {"email": ""}}, headers=headers)
    by_email = await client.patch(
        f"{CONTACTS}/taken@example.com",
        params={"idProperty": "email"},
        json={"properties": {"firstname": "Tak"}},
        headers=headers,
    )
    clash = await client.patch(
        url, json={"properties": {"email": "taken@example.com"}}, headers=headers
    )

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["properties"]["lastname"] == "Smith"
    fetched = (await client.get(url, headers=headers)).json()["properties"]
    assert (fetched["firstname"], fetched["lastname"], fetched["email"]) == ("Ann", "Smith", None)
    assert cleared.status_code == 200, cleared.text
    assert by_email.json()["id"] == taken["id"]
    body = assert_error_body(clash, 409, "CONFLICT")
    assert taken["id"] in body["message"]


async def test_list_pages_in_id_order(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    ids = [(await create(client, headers, firstname=f"P{i}")).json()["id"] for i in range(3)]

    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    for _ in range(10):
        page = await client.get(CONTACTS, params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += [result["id"] for result in page.json()["results"]]
        paging = page.json().get("paging")
        if not paging:
            break
        params = {"limit": "2", "after": paging["next"]["after"]}
    assert [i for i in seen if i in ids] == ids
    assert seen == sorted(seen, key=int)


async def test_search_by_email_and_query(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    ada = (await create(client, headers, email="ada@search.example", firstname="Ada")).json()
    bob = (await create(client, headers, email="bob@search.example", firstname="Bob")).json()

    def eq(value: str) -> dict[str, Any]:
        return {"filters": [{"propertyName": "email", "operator": "EQ", "value": value}]}

    one = await client.post(
        f"{CONTACTS}/search", json={"filterGroups": [eq("ADA@search.example")]}, headers=headers
    )
    both = await client.post(
        f"{CONTACTS}/search",
        json={"filterGroups": [eq("ada@search.example"), eq("bob@search.example")], "limit": 1},
        headers=headers,
    )
    by_query = await client.post(
        f"{CONTACTS}/search", json={"query": "bob@SEARCH"}, headers=headers
    )

    assert one.status_code == 200, one.text
    assert one.json()["total"] == 1
    assert [r["id"] for r in one.json()["results"]] == [ada["id"]]
    assert "paging" not in one.json()
    assert both.json()["total"] == 2
    assert both.json()["paging"]["next"]["after"] == "1"
    rest = await client.post(
        f"{CONTACTS}/search",
        json={
            "filterGroups": [eq("ada@search.example"), eq("bob@search.example")],
            "limit": 1,
            "after": "1",
        },
        headers=headers,
    )
    assert [r["id"] for r in both.json()["results"] + rest.json()["results"]] == [
        ada["id"],
        bob["id"],
    ]
    assert [r["id"] for r in by_query.json()["results"]] == [bob["id"]]


async def test_unknown_contacts_are_404(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    missing = await client.get(f"{CONTACTS}/99999999", headers=headers)
    by_email = await client.get(
        f"{CONTACTS}/nobody@example.com", params={"idProperty": "email"}, headers=headers
    )
    patched = await client.patch(
        f"{CONTACTS}/99999999", json={"properties": {"firstname": "X"}}, headers=headers
    )
    for response in (missing, by_email, patched):
        assert_error_body(response, 404, "OBJECT_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"properties": {"email": "not-an-email"}}, "email"),
        ({"properties": {"phone": "12"}}, "phone"),
        ({"properties": {"hubspot_owner_id": "999999999"}}, "hubspot_owner_id"),
        ({"properties": {"favourite_colour": "blue"}}, "favourite_colour"),
        ({"properties": {"firstname": "x" * 200, "lastname": "y" * 200}}, "firstname"),
        ({"properties": "nope"}, None),
        ({}, None),
    ],
)
async def test_bad_input_is_400_and_writes_nothing(
    db: Database, client: httpx.AsyncClient, body: dict[str, Any], field: str | None
) -> None:
    headers = await app_token(db)
    before = await count_rows(db)

    response = await client.post(CONTACTS, json=body, headers=headers)

    error = assert_error_body(response, 400, "VALIDATION_ERROR")
    if field is not None:
        assert field in [e.get("in") for e in error["errors"]], error
    assert await count_rows(db) == before


async def test_bad_search_and_ids_are_400(db: Database, client: httpx.AsyncClient) -> None:
    headers = await app_token(db)
    bad_searches: list[dict[str, Any]] = [
        {"filterGroups": [{"filters": [{"propertyName": "city", "operator": "EQ", "value": "x"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE"}]}]},
        {"after": "not-an-offset"},
        {"limit": 500},
    ]
    for search in bad_searches:
        response = await client.post(f"{CONTACTS}/search", json=search, headers=headers)
        assert_error_body(response, 400, "VALIDATION_ERROR")
    for params in ({"idProperty": "phone"}, {}):
        response = await client.get(f"{CONTACTS}/abc", params=params, headers=headers)
        assert_error_body(response, 400, "VALIDATION_ERROR")
    listed = await client.get(CONTACTS, params={"after": "!!"}, headers=headers)
    assert_error_body(listed, 400, "VALIDATION_ERROR")


async def test_scopes(db: Database, client: httpx.AsyncClient) -> None:
    writer = await app_token(db, WRITE)
    reader = await app_token(db, READ)
    other = await app_token(db, "conversations.read", "conversations.write")
    user_id = await factories.create_user(db)
    user = bearer(
        await token_with(db, scopes=[READ], user_id=user_id)
    )  # a person's token works too

    created = await create(client, writer, firstname="Scoped")
    contact_url = f"{CONTACTS}/{created.json()['id']}"

    assert created.status_code == 201, created.text
    assert (await client.get(contact_url, headers=reader)).status_code == 200
    assert (await client.get(contact_url, headers=user)).status_code == 200
    assert (await client.get(contact_url, headers=writer)).status_code == 200
    assert_error_body(await create(client, reader, firstname="No"), 403, "MISSING_SCOPES")
    assert_error_body(await client.get(contact_url, headers=other), 403, "MISSING_SCOPES")
    patched = await client.patch(
        contact_url, json={"properties": {"firstname": "No"}}, headers=user
    )
    assert_error_body(patched, 403, "MISSING_SCOPES")


async def test_a_bridge_pre_creates_a_contact_and_publishes_with_it(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    headers = bearer(bridge.app.access_token)
    contact = (await create(client, headers, email="pre@example.com", firstname="Pre")).json()

    message = await published(client, bridge, associateWithContactId=contact["id"])

    async with db.read() as uow:
        thread = (
            await uow.execute(
                select(Thread).where(Thread.id == int(message["conversationsThreadId"]))
            )
        ).one()
    assert thread.contact_id == int(contact["id"])
    assert message["senders"][0]["actorId"] == f"V-{contact['id']}"
