"""/docs works offline: Swagger UI comes from this server, not from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.asyncio
async def test_docs_page_loads_swagger_ui_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    for url in assets:
        assert url.startswith("/"), f"{url} is fetched from another host"
        asset = await client.get(url)
        assert asset.status_code == 200, url
    assert "/openapi.json" in page.text
