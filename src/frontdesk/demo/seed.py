"""The demo workspace: seeded once through the services, found again on later starts.

Everything goes through the services a request would call, on a database whose event bus has
the in-transaction handlers, so threads, contacts, previews, events and delivery jobs are what
the API would have made. Customers' messages take the publish path. Agents' past replies are
published as OUTGOING mirrors with the agent as `senderActorId` (reference 5.1): the send path
stamps the current time, and each reply would be delivered to the bridge again. One reply is
sent through the send path, so the bridge delivers it when the demo starts.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from frontdesk.accounts import service as account_service
from frontdesk.accounts.passwords import hash_password
from frontdesk.apps import service as app_service
from frontdesk.apps.models import AccessToken, App
from frontdesk.channels import service as channel_service
from frontdesk.channels.schemas import ChannelAccountCreate, ChannelCreate
from frontdesk.config import Settings
from frontdesk.conversations import service as conversation_service
from frontdesk.core.db import Database
from frontdesk.core.models import now_ms
from frontdesk.demo import script
from frontdesk.demo.bridge import BridgeAccount
from frontdesk.files import service as file_service
from frontdesk.files import storage as file_storage
from frontdesk.files.schemas import parse_upload_form
from frontdesk.files.sniff import HEAD_BYTES, extension_for, sniff_mime_type
from frontdesk.messages import publish
from frontdesk.messages import service as message_service
from frontdesk.messages.publish_schemas import PublishRequest
from frontdesk.messages.send_schemas import Caller, CommentEgg, MessageEgg
from frontdesk.messages.sending import send_to_thread

BRIDGE_SCOPES = [
    "conversations.custom_channels.read",
    "conversations.custom_channels.write",
    "files",
]


class ForeignWorkspace(Exception):
    """The data directory holds a workspace the demo did not create: it is left alone."""


@dataclass(frozen=True)
class DemoWorkspace:
    """What the simulated bridge needs, and whether this start seeded the workspace."""

    seeded: bool
    app_id: int
    channel_id: int
    accounts: tuple[BridgeAccount, ...]
    client_secret: str
    access_token: str


async def prepare_workspace(db: Database, settings: Settings, *, webhook_url: str) -> DemoWorkspace:
    """Seed an empty workspace (only then), point the channel's webhook at the bridge, and
    give the bridge a fresh token; a workspace the demo did not make raises ForeignWorkspace."""
    app_id = await find_demo_app(db)
    seeded = app_id is None
    if app_id is None:
        async with db.read() as uow:
            if await account_service.count_users(uow) > 0:
                raise ForeignWorkspace(
                    "this workspace was not made by the demo: run the demo on an empty "
                    "data directory (--data-dir) or database"
                )
        app_id = await seed(db, settings, webhook_url=webhook_url)
    return await _bridge_side(db, app_id=app_id, webhook_url=webhook_url, seeded=seeded)


async def find_demo_app(db: Database) -> int | None:
    """The id of the demo's app, if this workspace has one."""
    async with db.read() as uow:
        found = await uow.scalar(
            select(App.id).where(App.name == script.APP_NAME).order_by(App.id).limit(1)
        )
    return None if found is None else int(found)


async def _bridge_side(
    db: Database, *, app_id: int, webhook_url: str, seeded: bool
) -> DemoWorkspace:
    async with db.transaction() as uow:
        channels = (await channel_service.list_channels(uow, app_id=app_id, limit=1)).rows
        if not channels:
            raise ForeignWorkspace(f"the channel of the demo's app {app_id} has been archived")
        channel = channels[0]
        await channel_service.check_webhook_url(webhook_url, allow_private=True)
        await channel_service.update_channel(
            uow, app_id=app_id, channel_id=channel.id, changes={"webhookUrl": webhook_url}
        )
        accounts = await channel_service.list_channel_accounts(
            uow, app_id=app_id, channel_id=channel.id
        )
        secrets = await app_service.signing_secrets(uow, app_id=app_id, now=now_ms())
        token = await _fresh_token(uow, app_id=app_id)
    lines = {line.name: line.key for line in script.LINES}
    return DemoWorkspace(
        seeded=seeded,
        app_id=app_id,
        channel_id=channel.id,
        accounts=tuple(
            BridgeAccount(a.id, lines.get(a.name, "support"), a.name, a.delivery_value or "")
            for a in accounts.rows
        ),
        client_secret=secrets.client_secret,
        access_token=token,
    )


async def _fresh_token(uow: Any, *, app_id: int) -> str:
    # Only digests are stored, so each start mints the bridge a token and revokes the last.
    previous = await uow.execute(
        select(AccessToken.id).where(
            AccessToken.app_id == app_id,
            AccessToken.name == script.TOKEN_NAME,
            AccessToken.revoked_at.is_(None),
        )
    )
    for (token_id,) in previous.all():
        await app_service.revoke_token(uow, token_id=token_id)
    return await app_service.create_token(
        uow, kind="app", app_id=app_id, scopes=BRIDGE_SCOPES, name=script.TOKEN_NAME
    )


# --- seeding ---------------------------------------------------------------------------


@dataclass
class _Workspace:
    app_id: int
    channel_id: int
    users: dict[str, int]
    accounts: dict[str, int]


async def seed(db: Database, settings: Settings, *, webhook_url: str) -> int:
    """Create the demo workspace; returns the demo app's id."""
    workspace = await _create_skeleton(db, webhook_url=webhook_url)
    files = await _store_media(db, settings, app_id=workspace.app_id)
    seeder = _Seeder(db, settings, workspace, files, now=now_ms())
    for index, conversation in enumerate(script.CONVERSATIONS):
        await seeder.play(index, conversation)
    return workspace.app_id


async def _create_skeleton(db: Database, *, webhook_url: str) -> _Workspace:
    """Users, teams, inboxes, the app, its channel and accounts: all or nothing."""
    # One password for everyone: hash it once (argon2 costs ~0.1 s and 64 MiB per hash).
    password_hash = await hash_password(script.PASSWORD)
    async with db.transaction() as uow:
        for team in script.TEAMS:
            await account_service.create_team(uow, name=team)
        inboxes = {
            name: await account_service.create_inbox(uow, name=name, team_names=list(teams))
            for name, teams in script.INBOXES
        }
        users = {
            person.key: await account_service.create_user(
                uow,
                email=person.email,
                password_hash=password_hash,
                name=person.name,
                role=person.role,
                team_names=list(person.teams),
            )
            for person in (script.ADMIN, *script.AGENTS)
        }
        app = await app_service.create_app(
            uow, name=script.APP_NAME, description=script.CHANNEL_DESCRIPTION
        )
        channel = await channel_service.create_channel(
            uow,
            app_id=app.app_id,
            data=ChannelCreate(
                name=script.CHANNEL_NAME,
                capabilities=script.CAPABILITIES,
                webhookUrl=webhook_url,
                channelDescription=script.CHANNEL_DESCRIPTION,
            ),
        )
        accounts = {}
        for line in script.LINES:
            account = await channel_service.create_channel_account(
                uow,
                app_id=app.app_id,
                channel_id=channel.id,
                data=ChannelAccountCreate.model_validate(
                    {
                        "inboxId": inboxes[line.inbox],
                        "name": line.name,
                        "authorized": True,
                        "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": line.phone},
                    }
                ),
            )
            accounts[line.key] = account.id
    return _Workspace(app.app_id, channel.id, users, accounts)


async def _store_media(db: Database, settings: Settings, *, app_id: int) -> dict[str, int]:
    """Each demo file stored as the bridge would upload it; file ids by media key."""
    storage = file_storage.from_settings(settings)
    uploader = file_service.Uploader(app_id=app_id)
    ids = {}
    for key, item in script.MEDIA.items():
        data = item.make()
        form = parse_upload_form({"fileName": item.file_name}, uploaded_filename=item.file_name)
        mime_type = sniff_mime_type(data[:HEAD_BYTES], name=item.file_name)
        stored = file_service.StoredBytes(
            storage_key=storage.new_key(),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            mime_type=mime_type,
            extension=form.extension or extension_for(mime_type),
        )
        await storage.put(stored.storage_key, io.BytesIO(data))
        async with db.transaction() as uow:
            row, _created = await file_service.create_file(
                uow, form=form, stored=stored, uploader=uploader
            )
        ids[key] = row.id
    return ids


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _identifier(phone: str) -> dict[str, str]:
    return {"type": "HS_PHONE_NUMBER", "value": phone}


class _Seeder:
    """Plays the scripted conversations into the workspace, step by step."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        workspace: _Workspace,
        files: dict[str, int],
        *,
        now: int,
    ) -> None:
        self.db = db
        self.settings = settings
        self.workspace = workspace
        self.files = files
        self.now = now
        self.lines = {line.key: line for line in script.LINES}
        self.agents = {p.key: p for p in (script.ADMIN, *script.AGENTS)}

    async def play(self, index: int, conversation: script.Conversation) -> None:
        start = self.now - conversation.started_minutes_ago * 60_000
        thread_id = 0
        for number, step in enumerate(conversation.steps):
            if step.kind in ("in", "out"):
                answered = any(
                    s.kind == "in" and s.minutes > step.minutes for s in conversation.steps
                )
                thread_id = await self._publish(
                    conversation,
                    step,
                    at=start + step.minutes * 60_000,
                    key=f"demo-{index}-{number}",
                    read=answered,
                )
        if conversation.assignee is not None:
            await self._assign(thread_id, conversation.assignee)
        for step in conversation.steps:
            if step.kind in ("note", "send"):
                await self._send(thread_id, conversation, step)
        if conversation.closed:
            await self._close(thread_id, conversation.assignee or "alex")

    async def _publish(
        self, conversation: script.Conversation, step: script.Step, *, at: int, key: str, read: bool
    ) -> int:
        customer = script.CUSTOMERS[conversation.customer]
        line = self.lines[conversation.line]
        them = {"name": customer.name, "deliveryIdentifier": _identifier(customer.phone)}
        us: dict[str, Any] = {"deliveryIdentifier": _identifier(line.phone)}
        if step.kind == "out":
            assert step.agent is not None
            us["name"] = self.agents[step.agent].name
            us["senderActorId"] = f"A-{self.workspace.users[step.agent]}"
        body = PublishRequest.model_validate(
            {
                "text": step.text,
                "richText": step.rich,
                "messageDirection": "INCOMING" if step.kind == "in" else "OUTGOING",
                "channelAccountId": self.workspace.accounts[conversation.line],
                "integrationIdempotencyId": key,
                "senders": [them if step.kind == "in" else us],
                "recipients": [us if step.kind == "in" else them],
                "attachments": self._attachments(step.media),
                "timestamp": _iso(at),
            }
        )
        async with self.db.transaction() as uow:
            row = await publish.publish_message(
                uow,
                app_id=self.workspace.app_id,
                channel_id=self.workspace.channel_id,
                body=body,
                max_attachments=self.settings.max_message_attachments,
            )
            if step.kind == "out" and read:
                await message_service.update_message_status(
                    uow,
                    app_id=self.workspace.app_id,
                    channel_id=self.workspace.channel_id,
                    message_id=row.id,
                    data=message_service.MessageStatusUpdate(statusType="READ"),
                )
        return int(row.thread_id)

    def _attachments(self, media_key: str | None) -> list[dict[str, Any]]:
        if media_key is None:
            return []
        attachment: dict[str, Any] = {"type": "FILE", "fileId": self.files[media_key]}
        usage = script.MEDIA[media_key].usage
        if usage is not None:
            attachment["fileUsageType"] = usage
        return [attachment]

    def _acting(self, agent: str) -> conversation_service.Acting:
        return conversation_service.Acting(f"A-{self.workspace.users[agent]}", None)

    async def _assign(self, thread_id: int, agent: str) -> None:
        async with self.db.transaction() as uow:
            await conversation_service.assign_thread(
                uow,
                thread_id=thread_id,
                assignee=f"A-{self.workspace.users[agent]}",
                by=self._acting(agent),
            )

    async def _close(self, thread_id: int, agent: str) -> None:
        async with self.db.transaction() as uow:
            await conversation_service.change_status(
                uow, thread_id=thread_id, status="CLOSED", by=self._acting(agent)
            )

    async def _send(
        self, thread_id: int, conversation: script.Conversation, step: script.Step
    ) -> None:
        assert step.agent is not None
        user_id = self.workspace.users[step.agent]
        egg: MessageEgg | CommentEgg
        if step.kind == "note":
            egg = CommentEgg(type="COMMENT", text=step.text, attachments=[])
        else:
            egg = MessageEgg(
                type="MESSAGE",
                text=step.text,
                senderActorId=f"A-{user_id}",
                channelId=str(self.workspace.channel_id),
                channelAccountId=str(self.workspace.accounts[conversation.line]),
                attachments=[],
            )
        async with self.db.transaction() as uow:
            await send_to_thread(
                uow,
                thread_id=thread_id,
                egg=egg,
                caller=Caller(inbox_ids=None, user_id=user_id),
                max_attachments=self.settings.max_message_attachments,
            )
