"""Ids beyond the BIGINT range are refused as bad input, never sent to the database."""

from __future__ import annotations

import httpx
import pytest

from tests.channels.conftest import V3, Bridge, error_fields

BIG = str(2**70)


@pytest.mark.asyncio
async def test_out_of_range_ids_are_bad_input(client: httpx.AsyncClient, bridge: Bridge) -> None:
    conversations = "/conversations/v3/conversations"
    for method, url, params, body, field in [
        ("GET", f"{V3}/{BIG}", bridge.dev, None, "channelId"),
        (
            "POST",
            bridge.accounts_url,
            None,
            {"inboxId": BIG, "name": "x", "authorized": True},
            "inboxId",
        ),
        ("GET", f"{bridge.accounts_url}/{BIG}", None, None, "channelAccountId"),
        ("GET", f"{conversations}/channel-accounts", {"inboxId": BIG}, None, "inboxId[0]"),
        ("GET", f"{conversations}/channels/-1", None, None, "channelId"),
    ]:
        headers = None if params is bridge.dev else bridge.auth
        response = await client.request(method, url, params=params, json=body, headers=headers)
        assert response.status_code == 400, (url, response.text)
        assert field in error_fields(response)
