"""Fast JSON responses (orjson) for the API; bodies are plain dicts built by schemas."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def created(body: dict[str, Any], location: str | None = None) -> JsonResponse:
    """201 with the created object and, as HubSpot's v3 spec declares, a Location header."""
    headers = {"Location": location} if location else None
    return JsonResponse(body, status_code=201, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)
