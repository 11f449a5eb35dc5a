from __future__ import annotations

import httpx
import pytest


@pytest.mark.asyncio
async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_unknown_path_answers_hubspot_error_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/path")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert len(body["correlationId"]) == 36


@pytest.mark.asyncio
async def test_openapi_document_lists_hubspot_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/healthz" in paths
