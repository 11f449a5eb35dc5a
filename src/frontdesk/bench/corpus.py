"""`frontdesk bench corpus`: a believable workspace of N threads and M messages, fast.

The small part (teams, users, inboxes, the app, two custom channels, five accounts) goes through
the services, as `frontdesk` commands would create it. The bulk (contacts and their identities,
threads, thread keys, messages, attachments' files, read states; `corpus_rows`) is written with
executemany `INSERT`s in chunks, with explicit ids from the plan (`corpus_plan`): the rows the
publish path and the agents would have written, without the event log and the job queue (no
live update or delivery is pending for history). A marker in the app's description records
what the database holds, so a benchmark can reuse the corpus instead of building it again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from frontdesk.accounts import service as account_service
from frontdesk.accounts.passwords import hash_password
from frontdesk.apps import service as app_service
from frontdesk.apps.models import App
from frontdesk.bench.corpus_plan import ACCOUNTS, AGENT_TEAMS, INBOXES, TEAMS, make_plan
from frontdesk.bench.corpus_rows import IDENTIFIER_TYPE, Bases, CorpusRows, Row, World
from frontdesk.bench.vocabulary import AGENT_NAMES
from frontdesk.channels import service as channel_service
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.channels.schemas import ChannelAccountCreate, ChannelCreate, DeliveryIdentifier
from frontdesk.config import Settings
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadIntegrationId, ThreadKey, ThreadReadState
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.models import now_ms
from frontdesk.files.models import File
from frontdesk.files.storage import LocalStorage
from frontdesk.messages.models import Message, MessageFile
from frontdesk.search import service as search_service

APP_NAME = "Bench corpus bridge"
MARKER = "frontdesk bench corpus "
BENCH_EMAIL = "bench@example.com"
# Every corpus user's password: a benchmark database, not a workspace.
BENCH_PASSWORD = "bench-password"  # noqa: S105
CHUNK = 5_000
MESSAGES_PER_TRANSACTION = 250_000

CHANNELS: dict[str, dict[str, Any]] = {
    "phone": {
        "name": "WhatsApp",
        "channelDescription": "WhatsApp Business numbers, bridged",
        "capabilities": {
            "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
            "threadingModel": "DELIVERY_IDENTIFIER",
            "allowOutgoingMessages": True,
            "outgoingAttachmentTypes": ["FILE"],
            "allowedFileAttachmentMimeTypes": ["image/*", "application/pdf"],
            "maxFileAttachmentCount": 1,
            "maxFileAttachmentSizeBytes": 16_000_000,
        },
    },
    "chat": {
        "name": "Web chat",
        "channelDescription": "The chat widget on our websites",
        "capabilities": {
            "deliveryIdentifierTypes": ["CHANNEL_SPECIFIC_OPAQUE_ID"],
            "threadingModel": "INTEGRATION_THREAD_ID",
            "richText": ["BOLD", "ITALIC", "HYPERLINK", "LISTS"],
            "allowInlineImages": True,
            "allowOutgoingMessages": True,
            "outgoingAttachmentTypes": ["FILE"],
            "maxFileAttachmentCount": 5,
        },
    },
}


class CorpusError(Exception):
    """The database cannot take the corpus asked for."""


@dataclass(frozen=True)
class CorpusInfo:
    """What a corpus database holds, as its marker records it."""

    threads: int
    messages: int
    seed: int
    end_at: int  # epoch ms: the corpus's "now" (its newest message is older)
    conversation_thread_id: int  # the thread with exactly 200 messages
    app_id: int
    chat_channel_id: int
    phone_channel_id: int
    account_ids: list[int]
    bench_email: str = BENCH_EMAIL
    bench_password: str = BENCH_PASSWORD


async def find_corpus(db: Database) -> CorpusInfo | None:
    """The corpus a database holds, from its marker; None when it holds none."""
    async with db.read() as uow:
        description = await uow.scalar(
            select(App.description)
            .where(App.name == APP_NAME, App.description.startswith(MARKER))
            .limit(1)
        )
    if description is None:
        return None
    return CorpusInfo(**json.loads(description[len(MARKER) :]))


async def ensure_corpus(
    db: Database, *, threads: int, messages: int, seed: int, files_dir: Path | None
) -> tuple[CorpusInfo, float | None]:
    """The corpus the database holds if it is this one, else one built now, with the time
    its build took (None when reused)."""
    found = await find_corpus(db)
    if found is not None:
        if (found.threads, found.messages, found.seed) != (threads, messages, seed):
            raise CorpusError(
                f"the database holds a corpus of {found.threads} threads and {found.messages} "
                f"messages (seed {found.seed}): use another data directory or database"
            )
        return found, None
    started = time.monotonic()
    info = await build_corpus(
        db, threads=threads, messages=messages, seed=seed, files_dir=files_dir
    )
    return info, time.monotonic() - started


async def build_corpus(
    db: Database,
    *,
    threads: int,
    messages: int,
    seed: int = 1,
    files_dir: Path | None = None,
    end_at: int | None = None,
) -> CorpusInfo:
    """Fill a database without conversations with the corpus; attachments' bytes go to
    `files_dir` (none are written without it). `end_at` (epoch ms, default: a minute ago)
    is the corpus's "now": with the same seed and end, the same corpus."""
    try:
        plan = make_plan(
            threads=threads, messages=messages, seed=seed, end_at=end_at or now_ms() - 60_000
        )
    except ValueError as exc:
        raise CorpusError(str(exc)) from exc
    await _check_empty(db)
    world = await _create_world(db)
    async with db.read() as uow:
        bases = Bases(
            contact=await _next_id(uow, Contact),
            identity=await _next_id(uow, ContactIdentity),
            thread=await _next_id(uow, Thread),
            key=await _next_id(uow, ThreadKey),
            message=await _next_id(uow, Message),
            file=await _next_id(uow, File),
        )
    async with search_service.bulk_load(db):
        await _write(db, CorpusRows(plan, world, bases), files_dir)
    info = CorpusInfo(
        threads=threads,
        messages=messages,
        seed=seed,
        end_at=plan.end_at,
        conversation_thread_id=bases.thread + plan.featured,
        app_id=world.app_id,
        chat_channel_id=world.channel_ids["chat"],
        phone_channel_id=world.channel_ids["phone"],
        account_ids=world.account_ids,
    )
    async with db.transaction() as uow:  # last: a database with a marker holds all of it
        await uow.execute(
            update(App)
            .where(App.id == world.app_id)
            .values(description=MARKER + json.dumps(asdict(info)))
        )
    return info


def run_corpus(settings: Settings, *, threads: int, messages: int, seed: int) -> dict[str, Any]:
    """`bench corpus`: build the corpus in the (migrated) database of `settings`, or find it
    there; the summary to print."""

    async def run() -> tuple[CorpusInfo, float | None]:
        db = Database(settings.resolved_database_url(), pool_size=2)
        try:
            return await ensure_corpus(
                db, threads=threads, messages=messages, seed=seed, files_dir=settings.files_dir
            )
        finally:
            await db.dispose()

    info, seconds = asyncio.run(run())
    return {
        **corpus_summary(info, seconds),
        "reused": seconds is None,
        "database": "sqlite"
        if settings.resolved_database_url().startswith("sqlite")
        else "postgresql",
    }


def format_summary(summary: dict[str, Any]) -> str:
    how = (
        "was there already (reused)"
        if summary["reused"]
        else f"built in {summary['buildSeconds']:.1f} s"
    )
    sign_in = summary["signIn"]
    return "\n".join(
        [
            f"frontdesk bench corpus ({summary['database']}): {summary['threads']} threads, "
            f"{summary['messages']} messages, seed {summary['seed']}: {how}",
            f"  the 200-message conversation: thread {summary['conversationThreadId']}",
            f"  sign in as {sign_in['email']} / {sign_in['password']} (every corpus user's "
            "password)",
        ]
    )


def corpus_summary(info: CorpusInfo, seconds: float | None = None) -> dict[str, Any]:
    """The JSON the `bench corpus` command prints."""
    out: dict[str, Any] = {
        "threads": info.threads,
        "messages": info.messages,
        "seed": info.seed,
        "conversationThreadId": str(info.conversation_thread_id),
        "appId": str(info.app_id),
        "signIn": {"email": info.bench_email, "password": info.bench_password},
    }
    if seconds is not None:
        out["buildSeconds"] = round(seconds, 1)
    return out


async def _check_empty(db: Database) -> None:
    async with db.read() as uow:
        for table in (Channel, Contact, Thread, Message):
            if await uow.scalar(select(func.count()).select_from(table)):
                raise CorpusError(
                    f"the database already holds {table.__tablename__}: "
                    "the corpus needs a fresh one (a new --data-dir or database)"
                )


# --- the small part, through the services ---------------------------------------------------


async def _create_world(db: Database) -> World:
    """Teams, users, inboxes, the app, its channels and accounts."""
    password_hash = await hash_password(BENCH_PASSWORD)
    async with db.transaction() as uow:
        for team in TEAMS:
            await account_service.create_team(uow, name=team)
        admin_id = await account_service.create_user(
            uow,
            email=BENCH_EMAIL,
            password_hash=password_hash,
            name="Bench Admin",
            role="admin",
            team_names=list(TEAMS),
        )
        agent_ids = [
            await account_service.create_user(
                uow,
                email=AGENT_NAMES[agent].lower().replace(" ", ".") + "@example.com",
                password_hash=password_hash,
                name=AGENT_NAMES[agent],
                team_names=[team],
            )
            for agent, team in AGENT_TEAMS
        ]
        inbox_ids = {
            name: await account_service.create_inbox(uow, name=name, team_names=list(teams))
            for name, teams in INBOXES.items()
        }
        app = await app_service.create_app(uow, name=APP_NAME, description="building")
        channel_ids = {
            kind: (
                await channel_service.create_channel(
                    uow, app_id=app.app_id, data=ChannelCreate.model_validate(spec)
                )
            ).id
            for kind, spec in CHANNELS.items()
        }
        account_ids = [
            await _create_account(
                uow, app_id=app.app_id, channel_ids=channel_ids, inbox_ids=inbox_ids, index=n
            )
            for n in range(len(ACCOUNTS))
        ]
    return World(admin_id, agent_ids, inbox_ids, app.app_id, channel_ids, account_ids)


async def _create_account(
    uow: UnitOfWork,
    *,
    app_id: int,
    channel_ids: dict[str, int],
    inbox_ids: dict[str, int],
    index: int,
) -> int:
    spec = ACCOUNTS[index]
    data = ChannelAccountCreate(
        inboxId=inbox_ids[spec.inbox],
        name=spec.name,
        authorized=True,
        deliveryIdentifier=DeliveryIdentifier(
            type=IDENTIFIER_TYPE[spec.channel], value=spec.delivery_value
        ),
    )
    row = await channel_service.create_channel_account(
        uow, app_id=app_id, channel_id=channel_ids[spec.channel], data=data
    )
    if spec.channel == "phone":
        # Threads by phone number: a closed conversation stays closed, the next one is new.
        await uow.execute(
            update(ChannelAccount)
            .where(ChannelAccount.id == row.id)
            .values(closed_thread_policy="NEW_THREAD")
        )
    account_id: int = row.id
    return account_id


# --- the bulk -------------------------------------------------------------------------------


async def _write(db: Database, rows: CorpusRows, files_dir: Path | None) -> None:
    """Parents before children, a few transactions; file bytes written on a thread beside."""
    async with db.transaction() as uow:
        await _tune(uow)
        await _insert(uow, Contact, rows.contacts())
        await _insert(uow, ContactIdentity, rows.identities())
    async with db.transaction() as uow:
        await _tune(uow)
        await _insert(uow, Thread, rows.threads())
        await _insert(uow, ThreadKey, rows.thread_keys())
        await _insert(uow, ThreadIntegrationId, rows.integration_ids())
        await _insert(uow, ThreadReadState, rows.read_states())
    with ThreadPoolExecutor(1, thread_name_prefix="corpus-files") as pool:
        storage = LocalStorage(files_dir) if files_dir is not None else None
        pending = []

        def write_file(key: str, payload: bytes) -> None:
            if storage is not None:
                pending.append(pool.submit(_store, storage, key, payload))

        await _insert_messages(db, rows.messages(write_file))
        for future in pending:
            future.result()  # re-raises a failed write
    if db.dialect == "postgresql":
        async with db.transaction() as uow:
            for table in (Contact, ContactIdentity, Thread, ThreadKey, Message, File):
                await _sync_sequence(uow, table.__tablename__)


async def _insert_messages(db: Database, rows: Iterator[tuple[Row, Row | None]]) -> None:
    done = False
    while not done:
        async with db.transaction() as uow:
            await _tune(uow)
            written = 0
            while written < MESSAGES_PER_TRANSACTION:
                messages, files, links = _take(rows, CHUNK)
                if not messages:
                    done = True
                    break
                if files:
                    await uow.execute(insert(File), files)
                await uow.execute(insert(Message), messages)
                if links:
                    await uow.execute(insert(MessageFile), links)
                written += len(messages)


def _take(
    rows: Iterator[tuple[Row, Row | None]], count: int
) -> tuple[list[Row], list[Row], list[Row]]:
    """The next `count` messages, their files, and the links between them."""
    messages: list[Row] = []
    files: list[Row] = []
    links: list[Row] = []
    for message, file in rows:
        messages.append(message)
        if file is not None:
            files.append(file)
            links.append({"message_id": message["id"], "file_id": file["id"]})
        if len(messages) == count:
            break
    return messages, files, links


def _store(storage: LocalStorage, key: str, payload: bytes) -> None:
    path = storage.path(key)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


async def _insert(uow: UnitOfWork, model: Any, rows: Iterable[Row]) -> None:
    statement = insert(model)
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            await uow.execute(statement, chunk)
            chunk = []
    if chunk:
        await uow.execute(statement, chunk)


async def _next_id(uow: UnitOfWork, model: Any) -> int:
    return int(await uow.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1


async def _tune(uow: UnitOfWork) -> None:
    if uow.dialect == "sqlite":
        # A big page cache: the messages' thread index is written in time order, not by thread.
        await uow.execute(text("PRAGMA cache_size = -262144"))


async def _sync_sequence(uow: UnitOfWork, table: str) -> None:
    """Explicit ids leave PostgreSQL's sequence behind: move it past the largest id."""
    await uow.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )
    )
