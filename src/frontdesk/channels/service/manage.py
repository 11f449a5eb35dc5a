"""An admin's changes to a connected channel account (Settings > Inbox): name and routing,
deactivate and reactivate, move to the help desk and back, delete (archive).

Each is one transaction (the caller's unit of work) and ends with `channel_account.updated`,
which also sends `CHANNEL_ACCOUNT_UPDATED` to the channel's bridge after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from frontdesk.accounts import service as account_service
from frontdesk.accounts.models import Inbox, Team, User
from frontdesk.channels.models import ChannelAccount
from frontdesk.channels.service.custom_channels import emit_account_updated
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, Conflict, ErrorDetail, NotFound, validation_error
from frontdesk.core.models import now_ms
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.properties import service as property_service

ASSIGNMENT_MODES = ("OFF", "USERS_AND_TEAMS", "CONTACT_OWNER")
CLOSED_THREAD_POLICIES = ("REOPEN", "NEW_THREAD")
HELP_DESK_NAME = "Help desk"


@dataclass(frozen=True)
class Routing:
    """An account's routing (DESIGN 7), as the routing step and the API set it."""

    default_properties: dict[str, Any] = field(default_factory=dict)
    assignment_mode: str = "OFF"
    user_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    closed_thread_policy: str = "REOPEN"

    def targets(self) -> dict[str, list[int]]:
        """`assignment_targets` as stored: the routing engine reads exactly this shape."""
        return {"userIds": list(self.user_ids), "teamIds": list(self.team_ids)}


def routing_of(row: Any) -> Routing:
    """The routing stored on an account row (or a `ManagedAccount`)."""
    targets = row.assignment_targets or {}
    return Routing(
        default_properties=dict(row.default_properties or {}),
        assignment_mode=row.assignment_mode,
        user_ids=tuple(int(i) for i in targets.get("userIds", ())),
        team_ids=tuple(int(i) for i in targets.get("teamIds", ())),
        closed_thread_policy=row.closed_thread_policy,
    )


async def _lock_account(uow: UnitOfWork, *, account_id: int, archived_ok: bool = False) -> Any:
    statement = select(ChannelAccount).where(ChannelAccount.id == account_id)
    if uow.is_postgres:
        statement = statement.with_for_update()
    row = (await uow.execute(statement)).first()
    if row is None or (row.archived and not archived_ok):
        raise NotFound("Channel account", account_id, field_name="channelAccountId")
    return row


async def _missing_ids(
    uow: UnitOfWork, column: Any, wanted: Sequence[int], *where: Any
) -> list[int]:
    if not wanted:
        return []
    found = set((await uow.execute(select(column).where(column.in_(wanted), *where))).scalars())
    return [i for i in wanted if i not in found]


async def check_routing(uow: UnitOfWork, routing: Routing) -> Routing:
    """The routing with normalised properties; every problem at once, each naming its field
    (`defaultProperties.<name>`, `assignmentMode`, `userIds`, `teamIds`, `closedThreadPolicy`)."""
    problems: list[ErrorDetail] = []
    properties: dict[str, Any] = {}
    definitions = await property_service.list_default_definitions(uow)
    try:
        properties = property_service.validate_properties(definitions, routing.default_properties)
    except AppError as exc:
        for error in exc.errors:
            problems.append(ErrorDetail(error.message, in_=f"defaultProperties.{error.in_}"))
    if routing.assignment_mode not in ASSIGNMENT_MODES:
        problems.append(
            ErrorDetail(
                f"assignmentMode must be one of {', '.join(ASSIGNMENT_MODES)}",
                in_="assignmentMode",
            )
        )
    missing_users = await _missing_ids(uow, User.id, routing.user_ids, User.active.is_(True))
    if missing_users:
        listed = ", ".join(map(str, missing_users))
        problems.append(ErrorDetail(f"No active user with id {listed}", in_="userIds"))
    missing_teams = await _missing_ids(uow, Team.id, routing.team_ids)
    if missing_teams:
        listed = ", ".join(map(str, missing_teams))
        problems.append(ErrorDetail(f"No team with id {listed}", in_="teamIds"))
    if routing.assignment_mode == "USERS_AND_TEAMS" and not (routing.user_ids or routing.team_ids):
        problems.append(ErrorDetail("Choose at least one user or team", in_="userIds"))
    if routing.closed_thread_policy not in CLOSED_THREAD_POLICIES:
        problems.append(
            ErrorDetail(
                f"closedThreadPolicy must be one of {', '.join(CLOSED_THREAD_POLICIES)}",
                in_="closedThreadPolicy",
            )
        )
    if problems:
        message = problems[0].message if len(problems) == 1 else "Some settings are invalid"
        raise AppError(message, errors=problems)
    return Routing(
        default_properties=properties,
        assignment_mode=routing.assignment_mode,
        user_ids=tuple(dict.fromkeys(routing.user_ids)),
        team_ids=tuple(dict.fromkeys(routing.team_ids)),
        closed_thread_policy=routing.closed_thread_policy,
    )


async def update_account_settings(
    uow: UnitOfWork, *, account_id: int, routing: Routing, name: str | None = None
) -> None:
    """Rename an account (when `name` is given) and replace its routing; nothing is written
    unless everything is valid."""
    row = await _lock_account(uow, account_id=account_id)
    values: dict[str, Any] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise validation_error("The name must be 1 to 200 characters", field_name="name")
        values["name"] = name
    checked = await check_routing(uow, routing)
    values.update(
        default_properties=checked.default_properties,
        assignment_mode=checked.assignment_mode,
        assignment_targets=checked.targets(),
        closed_thread_policy=checked.closed_thread_policy,
    )
    await _write(uow, row, values)


async def _write(uow: UnitOfWork, row: Any, values: dict[str, Any]) -> None:
    await uow.execute(
        update(ChannelAccount)
        .where(ChannelAccount.id == row.id)
        .values(**values, updated_at=now_ms())
    )
    inbox_id = values.get("inbox_id", row.inbox_id)
    emit_account_updated(uow, channel_id=row.channel_id, account_id=row.id, inbox_id=inbox_id)


async def set_account_active(uow: UnitOfWork, *, account_id: int, active: bool) -> None:
    """Deactivate (inbound publishes answer 400, the composer is disabled, nothing is
    deleted) or reactivate an account."""
    row = await _lock_account(uow, account_id=account_id)
    if row.active != active:
        await _write(uow, row, {"active": active})


async def archive_account(uow: UnitOfWork, *, account_id: int) -> None:
    """Delete an account as HubSpot does: archived, its conversations stay readable and its
    bridge's publishes answer 400."""
    row = await _lock_account(uow, account_id=account_id)
    await _write(uow, row, {"archived": True, "archived_at": now_ms()})


async def help_desk_inbox(uow: UnitOfWork) -> int:
    """The workspace's help desk (the first one not archived), created when there is none."""
    found = await uow.scalar(
        select(Inbox.id)
        .where(Inbox.kind == "HELP_DESK", Inbox.archived.is_(False))
        .order_by(Inbox.id)
        .limit(1)
    )
    if found is not None:
        return int(found)
    return await account_service.create_inbox(uow, name=HELP_DESK_NAME, help_desk=True)


async def _move(uow: UnitOfWork, row: Any, *, inbox_id: int, home_inbox_id: int | None) -> None:
    # The account's existing conversations follow it in the same transaction; new ones follow
    # `inbox_id`. One `channel_account.updated` tells admins; agents' open lists pick the
    # moved threads up on their next load (a per-thread event would be one row per thread).
    await uow.execute(
        update(Thread)
        .where(Thread.channel_account_id == row.id)
        .values(inbox_id=inbox_id, updated_at=now_ms())
    )
    await _write(uow, row, {"inbox_id": inbox_id, "home_inbox_id": home_inbox_id})


async def move_to_help_desk(uow: UnitOfWork, *, account_id: int) -> int:
    """Move an account and its conversations to the help desk, remembering the inbox it
    came from; the help desk's id."""
    row = await _lock_account(uow, account_id=account_id)
    if row.home_inbox_id is not None:
        raise Conflict("This account is already in the help desk", field_name="channelAccountId")
    target = await help_desk_inbox(uow)
    if target == row.inbox_id:
        raise Conflict("This account is already in the help desk", field_name="channelAccountId")
    await _move(uow, row, inbox_id=target, home_inbox_id=row.inbox_id)
    # Its conversations become tickets (a status each), with one event for the help desk.
    await helpdesk_service.make_tickets(uow, channel_account_id=row.id, inbox_id=target)
    return target


async def move_back_to_inbox(uow: UnitOfWork, *, account_id: int) -> int:
    """Move an account moved to the help desk, and its conversations, back to its inbox."""
    row = await _lock_account(uow, account_id=account_id)
    if row.home_inbox_id is None:
        raise Conflict("This account was not moved to the help desk", field_name="channelAccountId")
    home = await uow.scalar(select(Inbox.archived).where(Inbox.id == row.home_inbox_id))
    if home is None or home:
        raise Conflict("Its inbox no longer exists", field_name="channelAccountId")
    await _move(uow, row, inbox_id=row.home_inbox_id, home_inbox_id=None)
    await helpdesk_service.clear_tickets(uow, channel_account_id=row.id, help_desk_id=row.inbox_id)
    return int(row.home_inbox_id)
