"""Bodies of the delivery log, replay and app secret endpoints (/frontdesk/v1)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from frontdesk.core.models import ms_to_iso

JobStatus = Literal["queued", "running", "done", "dead"]
MAX_GRACE_S = 30 * 24 * 3600


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gracePeriodSeconds: int = Field(
        default=86400,
        ge=0,
        le=MAX_GRACE_S,
        strict=True,
        description="How long the replaced webhook secret keeps signing beside the new one.",
    )


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def job_json(row: Any) -> dict[str, Any]:
    """A job of the delivery log (`waitingFor`: the earlier job of its thread it waits for)."""
    return {
        "id": str(row.id),
        "kind": row.kind,
        "eventId": row.event_id,
        "status": row.status,
        "attempts": row.attempts,
        "nextAttemptAt": ms_to_iso(row.run_at) if row.status == "queued" else None,
        "lastError": row.last_error,
        "channelId": _id(row.channel_id),
        "messageId": _id(row.message_id),
        "waitingFor": _id(row.waiting_for),
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
    }


def attempt_json(row: Any) -> dict[str, Any]:
    return {
        "startedAt": ms_to_iso(row.started_at),
        "durationMs": row.duration_ms,
        "responseStatus": row.response_status,
        "responseBody": row.response_body,
        "error": row.error,
    }


def job_detail_json(row: Any, attempts: list[Any]) -> dict[str, Any]:
    """A job with its attempts, oldest first (`attempts` becomes the list; the count of the
    current round of tries is `attemptCount`)."""
    body = job_json(row)
    body["attemptCount"] = body.pop("attempts")
    body["attempts"] = [attempt_json(a) for a in attempts]
    return body


def rotation_json(client_secret: str, webhook_secret: str, valid_until: int | None) -> Any:
    return {
        "clientSecret": client_secret,
        "webhookSecret": webhook_secret,
        "previousSecretsValidUntil": ms_to_iso(valid_until),
    }


def app_json(row: Any, *, previous_valid_until: int | None) -> dict[str, Any]:
    """An app without any of its secrets."""
    return {
        "id": str(row.id),
        "name": row.name,
        "description": row.description,
        "logoUrl": row.logo_url,
        "createdAt": ms_to_iso(row.created_at),
        "previousSecretsInGrace": previous_valid_until is not None,
        "previousSecretsValidUntil": ms_to_iso(previous_valid_until),
    }
