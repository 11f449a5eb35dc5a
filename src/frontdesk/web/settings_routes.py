"""Each user's own settings pages: notifications (issue 4)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import Response

from frontdesk.api.deps import DbDep, Principal
from frontdesk.notifications import service as notification_service
from frontdesk.web.auth import WebUserDep, check_form_csrf
from frontdesk.web.forms import frame
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

SWITCHES = (
    ("enabled", "Notifications", "Turn every notification on or off."),
    (
        "new_message_assigned",
        "New message in a conversation assigned to me",
        "When a customer writes in one of your conversations.",
    ),
    (
        "new_unassigned_conversation",
        "New unassigned conversation in my inboxes",
        "When a conversation arrives that nobody owns yet.",
    ),
    (
        "conversation_assigned",
        "A conversation assigned to me by someone else",
        "When a teammate, automatic assignment or an integration gives you a conversation.",
    ),
    (
        "mention",
        "A teammate mentions me",
        "When someone @mentions you in an internal comment.",
    ),
    ("browser", "Browser notifications", "Also show them as notifications of your browser."),
)


async def _page(request: Request, principal: Principal, db: DbDep, *, saved: bool) -> Response:
    user_id = principal.user_id
    assert user_id is not None
    async with db.read() as uow:
        preferences = await notification_service.get_settings(uow, user_id=user_id)
    return render(
        request,
        "settings_notifications.html",
        {
            **await frame(db, principal),
            "switches": SWITCHES,
            "values": asdict(preferences),
            "saved": saved,
        },
    )


@router.get("/settings/notifications")
async def notification_settings(request: Request, principal: WebUserDep, db: DbDep) -> Response:
    return await _page(request, principal, db, saved=False)


@router.post("/settings/notifications")
async def save_notification_settings(
    request: Request, principal: WebUserDep, db: DbDep
) -> Response:
    await check_form_csrf(request, principal)
    form = await request.form()
    # An unticked checkbox sends nothing: every switch not in the form is off.
    changes = {name: form.get(name) == "on" for name, _label, _help in SWITCHES}
    assert principal.user_id is not None
    async with db.transaction() as uow:
        await notification_service.update_settings(uow, user_id=principal.user_id, changes=changes)
    return await _page(request, principal, db, saved=True)
