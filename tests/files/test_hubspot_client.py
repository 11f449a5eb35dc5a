"""HubSpot's official Python client uploads to Frontdesk and reads the answer as its `File`
model (which refuses missing required fields and unknown `access` values)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from frontdesk.core.db import Database
from tests import factories
from tests.files import media


@pytest_asyncio.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    """A real server on 127.0.0.1: the client speaks urllib3 over a socket."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        assert not task.done(), "server stopped while starting"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def _upload_with_hubspot_client(base_url: str, token: str, path: Path) -> Any:
    from hubspot import HubSpot

    client = HubSpot(access_token=token, host=base_url)
    return client.files.files_api.upload(
        file=str(path),
        folder_path="/bridge/media",
        options=json.dumps({"access": "PRIVATE", "overwrite": False}),
    )


def _get_with_hubspot_client(base_url: str, token: str, file_id: str) -> Any:
    from hubspot import HubSpot

    client = HubSpot(access_token=token, host=base_url)
    return client.files.files_api.get_by_id(file_id)


@pytest.mark.asyncio
async def test_hubspot_python_client_uploads_and_reads_back(
    base_url: str, db: Database, tmp_path: Path
) -> None:
    token = (await factories.create_app(db)).access_token
    path = tmp_path / "voice-note.ogg"
    path.write_bytes(media.ogg_opus())
    uploaded = await asyncio.to_thread(_upload_with_hubspot_client, base_url, token, path)
    assert uploaded.name == "voice-note"
    assert uploaded.extension == "ogg"
    assert uploaded.type == "AUDIO"
    assert uploaded.size == len(media.ogg_opus())
    assert uploaded.access == "PRIVATE"
    assert uploaded.path == "/bridge/media/voice-note.ogg"
    assert uploaded.archived is False
    assert uploaded.created_at is not None
    assert uploaded.url.startswith(f"{base_url}/files/v3/files/{uploaded.id}/content?")
    fetched = await asyncio.to_thread(_get_with_hubspot_client, base_url, token, uploaded.id)
    assert fetched.id == uploaded.id
    assert fetched.size == uploaded.size
