"""The rows of the bench corpus, as the app would have written them, from its plan.

Publishing writes a contact with its identities, a thread with its key, and messages; agents
add replies (`OUTGOING`, then SENT / READ / FAILED), internal comments, assignments and
closings (system entries). These generators yield the same rows, with explicit ids, in id
order; the denormalised thread columns (latest timestamps, the last message and its preview)
come from the plan, which knows every thread's rows before any is written.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from frontdesk.bench.corpus_plan import (
    ACCOUNTS,
    ASSIGNMENT,
    CLOSING,
    COMMENT,
    INCOMING,
    OUTGOING,
    CorpusPlan,
    ThreadPlan,
    inbox_agents,
)
from frontdesk.bench.vocabulary import AGENT_NAMES, TextMaker
from frontdesk.conversations.previews import message_preview

IDENTIFIER_TYPE = {"phone": "HS_PHONE_NUMBER", "chat": "CHANNEL_SPECIFIC_OPAQUE_ID"}
KEY_KIND = {"phone": "DELIVERY_IDENTIFIER", "chat": "INTEGRATION_THREAD_ID"}
FAILURES = (
    "The recipient's number is not on WhatsApp",
    "Bridge answered 410: conversation expired",
    "Message undeliverable: the visitor left the chat",
)
_TEXT_KIND = {INCOMING: "incoming", OUTGOING: "outgoing", COMMENT: "comment"}

Row = dict[str, Any]
FileWriter = Callable[[str, bytes], None]


def integration_thread_id(thread_id: int) -> str:
    """The chat bridge's conversation id of a corpus chat thread."""
    return f"wc-{thread_id:08d}"


@dataclass(frozen=True)
class World:
    """The ids of what the services created."""

    admin_id: int
    agent_ids: list[int]  # by agent index
    inbox_ids: dict[str, int]
    app_id: int
    channel_ids: dict[str, int]  # by channel kind
    account_ids: list[int]  # by account index


@dataclass(frozen=True)
class Bases:
    """The first id of each table the corpus fills (1 in a fresh database)."""

    contact: int = 1
    identity: int = 1
    thread: int = 1
    key: int = 1
    message: int = 1
    file: int = 1


@dataclass(frozen=True)
class _Account:
    """What every message row of one channel account shares."""

    channel: str
    channel_id: int
    account_id: int
    agents: list[int]  # agent indices who see its inbox
    identifier_type: str
    business: list[Row]  # the recipients of an incoming message


@dataclass(frozen=True)
class LastIds:
    """Per thread: the newest message or comment (id and row), the newest reply's id."""

    message: list[int]
    row: list[int]
    outgoing: list[int | None]


class CorpusRows:
    """Every row of a planned corpus, table by table."""

    def __init__(self, plan: CorpusPlan, world: World, bases: Bases) -> None:
        self.plan = plan
        self.world = world
        self.bases = bases
        self.texts = TextMaker(plan.seed)
        self.accounts = [
            _Account(
                channel=spec.channel,
                channel_id=world.channel_ids[spec.channel],
                account_id=world.account_ids[n],
                agents=inbox_agents(spec.inbox),
                identifier_type=IDENTIFIER_TYPE[spec.channel],
                business=[
                    {
                        "deliveryIdentifier": {
                            "type": IDENTIFIER_TYPE[spec.channel],
                            "value": spec.delivery_value,
                        }
                    }
                ],
            )
            for n, spec in enumerate(ACCOUNTS)
        ]
        self.first_names = [c.name.split()[0] for c in plan.contacts]
        self.last = self._last_ids()

    def _last_ids(self) -> LastIds:
        threads = self.plan.threads
        seen = [0] * len(threads)
        last = LastIds([0] * len(threads), [0] * len(threads), [None] * len(threads))
        for offset, index in enumerate(self.plan.order):
            row = seen[index]
            seen[index] = row + 1
            kind = threads[index].kinds[row]
            if kind in _TEXT_KIND:
                last.message[index] = self.bases.message + offset
                last.row[index] = row
            if kind == OUTGOING:
                last.outgoing[index] = self.bases.message + offset
        return last

    # --- contacts ---------------------------------------------------------------------------

    def contacts(self) -> Iterator[Row]:
        agents = self.world.agent_ids
        for n, contact in enumerate(self.plan.contacts):
            yield {
                "id": self.bases.contact + n,
                "name": contact.name,
                "email": None,
                "phone": contact.phone,
                "owner_id": None if contact.owner is None else agents[contact.owner],
                "properties": {},
                "created_at": contact.first_at,
                "updated_at": contact.first_at,
            }

    def identities(self) -> Iterator[Row]:
        """A global phone identity for everyone, the chat channel's opaque id for visitors."""
        next_id = self.bases.identity
        chat_channel = self.world.channel_ids["chat"]
        for n, contact in enumerate(self.plan.contacts):
            contact_id = self.bases.contact + n
            yield {
                "id": next_id,
                "contact_id": contact_id,
                "type": "HS_PHONE_NUMBER",
                "value": contact.phone,
                "channel_scope": 0,
            }
            next_id += 1
            if contact.visitor_id is not None:
                yield {
                    "id": next_id,
                    "contact_id": contact_id,
                    "type": IDENTIFIER_TYPE["chat"],
                    "value": contact.visitor_id,
                    "channel_scope": chat_channel,
                }
                next_id += 1

    # --- threads ----------------------------------------------------------------------------

    def threads(self) -> Iterator[Row]:
        for index, plan in enumerate(self.plan.threads):
            spec = ACCOUNTS[plan.account]
            last_id = self.last.message[index]
            kind = _TEXT_KIND[plan.kinds[self.last.row[index]]]
            text, _ = self.texts.draw(last_id, kind, first_name=self.first_names[plan.contact])
            yield {
                "id": self.bases.thread + index,
                "inbox_id": self.world.inbox_ids[spec.inbox],
                "channel_id": self.world.channel_ids[spec.channel],
                "channel_account_id": self.world.account_ids[plan.account],
                "contact_id": self.bases.contact + plan.contact,
                **self._assignment(plan),
                "status": plan.status,
                "closed_at": plan.times[-1] if plan.status == "CLOSED" else None,
                "properties": {},
                **_latest(plan),
                "spam": False,
                "archived": False,
                "archived_at": None,
                "created_at": plan.times[0],
                "updated_at": plan.times[-1],
                "last_message_id": last_id,
                "last_message_preview": message_preview(text=text),
            }

    def _assignment(self, plan: ThreadPlan) -> Row:
        if plan.assignee is None or plan.assigner is None:
            return {"assignee_id": None, "assignment_reason": None, "assigned_at": None}
        return {
            "assignee_id": self.world.agent_ids[plan.assignee],
            "assignment_reason": f"assigned by A-{self.world.agent_ids[plan.assigner]}",
            "assigned_at": plan.times[1],
        }

    def thread_keys(self) -> Iterator[Row]:
        """One key per chat thread; on phone accounts the newest thread of each number."""
        next_id = self.bases.key
        for index, plan in enumerate(self.plan.threads):
            if not plan.holds_key:
                continue
            channel = ACCOUNTS[plan.account].channel
            thread_id = self.bases.thread + index
            if channel == "chat":
                key = integration_thread_id(thread_id)
            else:
                key = f"HS_PHONE_NUMBER:{self.plan.contacts[plan.contact].phone}"
            yield {
                "id": next_id,
                "channel_account_id": self.world.account_ids[plan.account],
                "key_kind": KEY_KIND[channel],
                "key": key,
                "thread_id": thread_id,
            }
            next_id += 1

    def integration_ids(self) -> Iterator[Row]:
        for index, plan in enumerate(self.plan.threads):
            if ACCOUNTS[plan.account].channel == "chat":
                thread_id = self.bases.thread + index
                yield {
                    "thread_id": thread_id,
                    "integration_thread_id": integration_thread_id(thread_id),
                }

    def read_states(self) -> Iterator[Row]:
        """The assignee has read a closed conversation to the end, an open one up to their
        own last reply (what came after is unread)."""
        for index, plan in enumerate(self.plan.threads):
            if plan.assignee is None:
                continue
            closed = plan.status == "CLOSED"
            read = self.last.message[index] if closed else self.last.outgoing[index]
            if read is not None:
                yield {
                    "user_id": self.world.agent_ids[plan.assignee],
                    "thread_id": self.bases.thread + index,
                    "last_read_message_id": read,
                }

    # --- messages ---------------------------------------------------------------------------

    def messages(self, write_file: FileWriter | None) -> Iterator[tuple[Row, Row | None]]:
        """(message row, the row of the file it carries or None), in id order; file bytes go
        to `write_file(storage key, bytes)`."""
        threads = self.plan.threads
        seen = [0] * len(threads)
        files = _Files(self.plan.seed, self.world, self.bases.file, write_file)
        for offset, index in enumerate(self.plan.order):
            row = seen[index]
            seen[index] = row + 1
            plan = threads[index]
            message_id = self.bases.message + offset
            kind = plan.kinds[row]
            if kind in _TEXT_KIND:
                yield self._conversation_row(message_id, index, plan, row, files)
            else:
                yield self._system_row(message_id, index, plan, row), None

    def _system_row(self, message_id: int, index: int, plan: ThreadPlan, row: int) -> Row:
        agents = self.world.agent_ids
        if plan.kinds[row] == ASSIGNMENT:
            assert plan.assignee is not None
            assert plan.assigner is not None
            by = agents[plan.assigner]
            kind = "ASSIGNMENT"
            extra: Row = {"assignedTo": f"A-{agents[plan.assignee]}", "assignedFrom": None}
        else:
            assert plan.kinds[row] == CLOSING
            assert plan.closer is not None
            by = agents[plan.closer]
            kind = "THREAD_STATUS_CHANGE"
            extra = {"newStatus": "CLOSED"}
        at = plan.times[row]
        return {
            **_EMPTY,
            "id": message_id,
            "thread_id": self.bases.thread + index,
            "type": kind,
            "client_type": "SYSTEM",
            "created_by": f"A-{by}",
            "extra": extra,
            "created_at": at,
            "updated_at": at,
        }

    def _conversation_row(
        self, message_id: int, index: int, plan: ThreadPlan, row: int, files: _Files
    ) -> tuple[Row, Row | None]:
        kind = plan.kinds[row]
        at = plan.times[row]
        account = self.accounts[plan.account]
        text, rng = self.texts.draw(
            message_id, _TEXT_KIND[kind], first_name=self.first_names[plan.contact]
        )
        agent = plan.assignee if kind == OUTGOING else None
        if agent is None:
            agent = account.agents[int(rng.random() * len(account.agents))]
        author = {"actorId": f"A-{self.world.agent_ids[agent]}", "name": AGENT_NAMES[agent]}
        message = {
            **_EMPTY,
            "id": message_id,
            "thread_id": self.bases.thread + index,
            "type": "MESSAGE",
            "text": text,
            "client_type": "HUBSPOT",
            "created_by": author["actorId"],
            "created_at": at,
            "updated_at": at,
        }
        if kind == COMMENT:
            message["type"] = "COMMENT"
            message["senders"] = [author]
            return message, None
        contact = self.plan.contacts[plan.contact]
        party = {
            "actorId": f"V-{self.bases.contact + plan.contact}",
            "name": contact.name,
            "deliveryIdentifier": {
                "type": account.identifier_type,
                "value": contact.phone if account.channel == "phone" else contact.visitor_id,
            },
        }
        message["channel_id"] = account.channel_id
        message["channel_account_id"] = account.account_id
        file = None
        if rng.random() < (0.02 if kind == INCOMING else 0.008):
            uploader = None if kind == INCOMING else agent
            file = files.next(rng, at, uploader=uploader)
            message["attachments"] = [_attachment(file)]
            message["has_attachments"] = True
        if kind == INCOMING:
            message.update(
                direction="INCOMING",
                senders=[party],
                recipients=account.business,
                status="RECEIVED",
                client_type="INTEGRATION",
                integration_app_id=self.world.app_id,
                created_by=f"I-{self.world.app_id}",
                idempotency_key=f"in-{message_id}",
            )
            return message, file
        chance = rng.random()
        status = "READ" if chance < 0.55 else "SENT" if chance < 0.98 else "FAILED"
        message.update(
            direction="OUTGOING",
            senders=[author],
            recipients=[party],
            status=status,
            failure_message=FAILURES[int(chance * 1000) % 3] if status == "FAILED" else None,
            updated_at=at + 1_000 + int(rng.random() * 120_000),
        )
        return message, file


# Every message column, with what a message that does not say otherwise holds.
_EMPTY: Row = {
    "direction": None,
    "channel_id": None,
    "channel_account_id": None,
    "senders": [],
    "recipients": [],
    "text": "",
    "rich_text": None,
    "subject": None,
    "attachments": [],
    "has_attachments": False,
    "status": None,
    "failure_message": None,
    "integration_app_id": None,
    "in_reply_to_id": None,
    "idempotency_key": None,
    "extra": {},
    "archived": False,
}


class _Files:
    """Attachments: a file row per attachment, with small real bytes in storage."""

    def __init__(self, seed: int, world: World, first_id: int, write: FileWriter | None):
        self.seed = seed
        self.world = world
        self.next_id = first_id
        self.write = write
        self.samples = {
            "image": (_png(), "image/png", "png"),
            "pdf": (_PDF, "application/pdf", "pdf"),
        }
        self.digests = {k: hashlib.sha256(v[0]).hexdigest() for k, v in self.samples.items()}

    def next(self, rng: Any, at: int, *, uploader: int | None) -> Row:
        """A new file row; `uploader` is the agent index, None for the bridge (the app)."""
        file_id = self.next_id
        self.next_id += 1
        kind = "image" if rng.random() < 0.7 else "pdf"
        payload, mime_type, extension = self.samples[kind]
        number = int(rng.random() * 90_000) + 10_000
        key = hashlib.sha256(f"{self.seed}-{file_id}".encode()).hexdigest()[:32]
        if self.write is not None:
            self.write(key, payload)
        return {
            "id": file_id,
            "name": f"IMG_{number}" if kind == "image" else f"invoice-{number}",
            "extension": extension,
            "mime_type": mime_type,
            "size": len(payload),
            "sha256": self.digests[kind],
            "storage_key": key,
            "access": "PRIVATE",
            "folder_path": None,
            "uploaded_by_app_id": self.world.app_id if uploader is None else None,
            "uploaded_by_user_id": None if uploader is None else self.world.agent_ids[uploader],
            "created_at": at,
            "updated_at": at,
        }


def _attachment(file: Row) -> Row:
    return {
        "type": "FILE",
        "fileId": str(file["id"]),
        "fileUsageType": "IMAGE" if file["mime_type"].startswith("image/") else "OTHER",
        "name": f"{file['name']}.{file['extension']}",
    }


def _latest(plan: ThreadPlan) -> dict[str, int | None]:
    """Comments and system entries move none of these (as in the app)."""
    received = sent = 0
    for at, kind in zip(plan.times, plan.kinds, strict=True):
        if kind == INCOMING:
            received = at
        elif kind == OUTGOING:
            sent = at
    return {
        "latest_message_at": max(received, sent),
        "latest_received_at": received,
        "latest_sent_at": sent or None,
    }


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small solid-colour PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes((40, 120, 200)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(raw)),
            chunk(b"IEND", b""),
        )
    )


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
