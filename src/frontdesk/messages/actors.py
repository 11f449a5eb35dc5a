"""Actors (reference 7.6): turn `A-`, `V-`, `I-` and `S-` ids into who they are.

Visibility: any agent or app with `conversations.read` may resolve any actor, whatever inbox
it appears in, as HubSpot does (an actor is a name and an address, needed to render any message
the caller can see; it opens no thread). Deactivated users still resolve: their old messages
need a name.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from frontdesk.accounts.models import User
from frontdesk.apps.models import App
from frontdesk.contacts.models import Contact
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error

MAX_BATCH_INPUTS = 100
# Numeric ids fit a signed 64-bit column; more digits would overflow PostgreSQL's bigint.
_NUMERIC_ACTOR = re.compile(r"^([AVI])-([0-9]{1,18})$")
_SYSTEM_ACTOR = re.compile(r"^S-[A-Za-z0-9_.:-]{1,100}$")


class ActorNotFound(NotFound):
    def __init__(self, actor_id: str):
        super().__init__("Actor", actor_id)
        self.context = {"actorId": [actor_id]}


def parse_actor_id(actor_id: str) -> tuple[str, int | None]:
    """`("A", 12)` for `A-12`, `("S", None)` for a system actor; unknown kinds are 404s."""
    match = _NUMERIC_ACTOR.match(actor_id)
    if match is not None:
        return match.group(1), int(match.group(2))
    if _SYSTEM_ACTOR.match(actor_id):
        return "S", None
    raise ActorNotFound(actor_id)


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v not in (None, "")}


async def _agent(uow: UnitOfWork, actor_id: str, user_id: int) -> dict[str, Any] | None:
    row = (
        await uow.execute(select(User.name, User.email, User.avatar_url).where(User.id == user_id))
    ).first()
    if row is None:
        return None
    return _without_nulls(
        {
            "type": "AGENT",
            "id": actor_id,
            "name": row.name,
            "email": row.email,
            "avatar": row.avatar_url,
        }
    )


async def _visitor(uow: UnitOfWork, actor_id: str, contact_id: int) -> dict[str, Any] | None:
    row = (
        await uow.execute(select(Contact.name, Contact.email).where(Contact.id == contact_id))
    ).first()
    if row is None:
        return None
    return _without_nulls({"type": "VISITOR", "id": actor_id, "name": row.name, "email": row.email})


async def _integrator(uow: UnitOfWork, actor_id: str, app_id: int) -> dict[str, Any] | None:
    row = (await uow.execute(select(App.name, App.logo_url).where(App.id == app_id))).first()
    if row is None:
        return None
    # `name` is required on INTEGRATOR actors, so it stays even when empty.
    body = {"type": "INTEGRATOR", "id": actor_id, "name": row.name}
    return body | ({"avatar": row.logo_url} if row.logo_url else {})


async def get_actor(uow: UnitOfWork, *, actor_id: str) -> dict[str, Any]:
    """One actor as HubSpot returns it; 404 when unknown or malformed."""
    kind, ident = parse_actor_id(actor_id)
    if kind == "S":
        return {"type": "SYSTEM", "id": actor_id}
    assert ident is not None
    resolver = {"A": _agent, "V": _visitor, "I": _integrator}[kind]
    actor = await resolver(uow, actor_id, ident)
    if actor is None:
        raise ActorNotFound(actor_id)
    return actor


def check_batch_inputs(inputs: list[str]) -> list[str]:
    """The distinct ids of a batch, in order; 400 on an empty or oversized batch."""
    if not inputs:
        raise validation_error("inputs must name at least one actor", field_name="inputs")
    if len(inputs) > MAX_BATCH_INPUTS:
        raise validation_error(
            f"inputs may name at most {MAX_BATCH_INPUTS} actors", field_name="inputs"
        )
    return list(dict.fromkeys(inputs))


async def read_actors(
    uow: UnitOfWork, *, actor_ids: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Resolve a batch: the actors found, and one StandardError per id that failed."""
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for actor_id in check_batch_inputs(actor_ids):
        try:
            results.append(await get_actor(uow, actor_id=actor_id))
        except ActorNotFound as exc:
            errors.append(
                {
                    "status": str(exc.status),
                    "category": exc.category,
                    "message": exc.message,
                    "context": {"actorId": [actor_id]},
                }
            )
    return results, errors
