"""/frontdesk/v1/properties: built-ins listed first, custom ones defined, edited, archived."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.properties import service as property_service
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows
from tests.factories import bearer

PATH = "/frontdesk/v1/properties"


async def _headers(db: Database, role: str = "admin") -> dict[str, str]:
    user_id = await factories.create_user(db, role=role)
    return bearer(await factories.create_personal_token(db, user_id=user_id))


@pytest.mark.asyncio
async def test_builtins_come_first_and_custom_ones_follow(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await _headers(db)
    agent = await _headers(db, role="agent")
    created = await client.post(
        PATH,
        json={
            "name": "plan_tier",
            "label": "Plan tier",
            "type": "enumeration",
            "options": [{"value": "gold", "label": "Gold"}, {"value": "free"}],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{PATH}/plan_tier"
    assert created.json()["options"] == [
        {"value": "gold", "label": "Gold"},
        {"value": "free", "label": "free"},
    ]
    await client.post(PATH, json={"name": "due", "label": "Due", "type": "date"}, headers=admin)
    listed = (await client.get(PATH, headers=agent)).json()["results"]
    assert [p["name"] for p in listed] == [
        "priority",
        "category",
        "ticket_status",
        "plan_tier",
        "due",
    ]
    assert listed[0]["builtIn"] is True
    assert listed[0]["optionsEditable"] is False
    assert [o["value"] for o in listed[0]["options"]] == ["LOW", "MEDIUM", "HIGH", "URGENT"]


@pytest.mark.asyncio
async def test_category_options_are_editable_priority_is_not(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await _headers(db)
    options = [{"value": "RETURNS", "label": "Returns"}, {"value": "SHIPPING", "label": "Shipping"}]
    edited = await client.patch(f"{PATH}/category", json={"options": options}, headers=admin)
    assert edited.status_code == 200, edited.text
    assert edited.json()["options"] == options
    again = await client.patch(f"{PATH}/category", json={"options": options[:1]}, headers=admin)
    assert again.json()["options"] == options[:1]
    async with db.read() as uow:
        definitions = await property_service.list_definitions(uow)
    assert [d.name for d in definitions] == ["priority", "category", "ticket_status"]
    assert definitions[1].option_values == ("RETURNS",)
    refused = await client.patch(f"{PATH}/priority", json={"options": options}, headers=admin)
    assert assert_error_body(refused, 400)["errors"][0]["in"] == "options"
    relabel = await client.patch(f"{PATH}/category", json={"label": "Kind"}, headers=admin)
    assert_error_body(relabel, 400)
    assert_error_body(await client.delete(f"{PATH}/priority", headers=admin), 400)


@pytest.mark.asyncio
async def test_archive_hides_a_property_and_keeps_its_name(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await _headers(db)
    body = {"name": "order_id", "label": "Order", "type": "string"}
    await client.post(PATH, json=body, headers=admin)
    relabeled = await client.patch(f"{PATH}/order_id", json={"label": "Order #"}, headers=admin)
    assert relabeled.json()["label"] == "Order #"
    assert (await client.delete(f"{PATH}/order_id", headers=admin)).status_code == 204
    listed = (await client.get(PATH, headers=admin)).json()["results"]
    assert "order_id" not in [p["name"] for p in listed]
    everything = (await client.get(PATH, params={"archived": "true"}, headers=admin)).json()
    assert everything["results"][-1] == {
        "name": "order_id",
        "label": "Order #",
        "type": "string",
        "options": [],
        "builtIn": False,
        "optionsEditable": True,
        "archived": True,
    }
    assert_error_body(await client.post(PATH, json=body, headers=admin), 409, "CONFLICT")
    assert_error_body(await client.delete(f"{PATH}/order_id", headers=admin), 404)


@pytest.mark.asyncio
async def test_bad_definitions_are_refused_and_write_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await _headers(db)
    before = await count_rows(db)
    cases = [
        ({"name": "Order ID", "label": "O", "type": "string"}, 400, "name"),
        ({"name": "1st", "label": "O", "type": "string"}, 400, "name"),
        ({"name": "order__id", "label": "O", "type": "string"}, 400, "name"),
        ({"name": "priority", "label": "P", "type": "string"}, 409, "name"),
        ({"name": "size", "label": "S", "type": "color"}, 400, "type"),
        ({"name": "size", "label": "S", "type": "enumeration"}, 400, "options"),
        (
            {"name": "size", "label": "S", "type": "enumeration", "options": [{"value": "a"}] * 2},
            400,
            "options",
        ),
        (
            {"name": "size", "label": "S", "type": "number", "options": [{"value": "a"}]},
            400,
            "options",
        ),
        ({"name": "size", "label": " ", "type": "string"}, 400, "label"),
    ]
    for body, status, field in cases:
        response = await client.post(PATH, json=body, headers=admin)
        assert assert_error_body(response, status)["errors"][0]["in"] == field, (
            body,
            response.text,
        )
    missing = await client.patch(f"{PATH}/nope", json={"label": "X"}, headers=admin)
    assert_error_body(missing, 404, "OBJECT_NOT_FOUND")
    assert await count_rows(db) == before
    agent = await _headers(db, role="agent")
    before = await count_rows(db)
    denied = await client.post(
        PATH, json={"name": "x", "label": "X", "type": "string"}, headers=agent
    )
    assert_error_body(denied, 403)
    assert await count_rows(db) == before
