"""Workspace settings for people: users, teams, inboxes and help desks, conversation
properties (admins only; agents get the 403 page)."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.web.people_settings import inboxes, properties, teams, users

router = APIRouter(include_in_schema=False)
for module in (users, teams, inboxes, properties):
    router.include_router(module.router)

__all__ = ["router"]
