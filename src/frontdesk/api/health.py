"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from frontdesk.api.deps import DbDep
from frontdesk.api.responses import JsonResponse

router = APIRouter()


@router.get("/healthz")
async def healthz() -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(db: DbDep) -> JsonResponse:
    """The process can reach its database."""
    try:
        await db.ping()
    except (SQLAlchemyError, OSError) as exc:
        return JsonResponse({"status": "unavailable", "reason": str(exc)[:200]}, status_code=503)
    return JsonResponse({"status": "ok"})
