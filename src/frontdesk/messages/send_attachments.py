"""The attachments of a reply or comment: files the caller may use, within the channel's limits.

Attachment kinds other than FILE (quick replies, social media metadata) are not limited by the
capabilities, which only describe files (UNCONFIRMED in the reference).
"""

from __future__ import annotations

from typing import Any

from frontdesk.channels.capabilities import Capabilities
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.files import service as file_service
from frontdesk.files.schemas import full_name
from frontdesk.messages.publish import file_usage_type
from frontdesk.messages.send_schemas import Caller, FileAttachmentEgg, OutgoingAttachment


async def build_attachments(
    uow: UnitOfWork,
    *,
    eggs: list[OutgoingAttachment],
    caller: Caller,
    caps: Capabilities | None,
    max_count: int,
) -> tuple[list[dict[str, Any]], list[int]]:
    """The stored attachments and the ids of the files among them; `caps` None: a comment."""
    if len(eggs) > max_count:
        raise validation_error(
            f"A message carries at most {max_count} attachments", field_name="attachments"
        )
    stored: list[dict[str, Any]] = []
    file_ids: list[int] = []
    total = 0
    for index, egg in enumerate(eggs):
        if not isinstance(egg, FileAttachmentEgg):
            stored.append(egg.model_dump(exclude_none=True))
            continue
        file = await _usable_file(
            uow, file_id=egg.fileId, caller=caller, where=f"attachments[{index}].fileId"
        )
        total += file.size
        if caps is not None:
            _check_file_caps(caps, file=file, count=len(file_ids) + 1, total=total, index=index)
        file_ids.append(file.id)
        stored.append(
            {
                "type": "FILE",
                "fileId": str(file.id),
                "fileUsageType": file_usage_type(None, file.mime_type),
                "name": full_name(file),
            }
        )
    return stored, file_ids


async def _usable_file(uow: UnitOfWork, *, file_id: str, caller: Caller, where: str) -> Any:
    """A file the caller may see (files service); a 400 naming the attachment otherwise."""
    viewer = file_service.Uploader(
        app_id=caller.app_id, user_id=caller.user_id, inbox_ids=caller.inbox_ids
    )
    # Ids are positive 64-bit integers; anything else names no file.
    if file_id.isdigit() and len(file_id) <= 18:
        try:
            return await file_service.get_visible_file(uow, file_id=int(file_id), viewer=viewer)
        except NotFound:
            pass
    raise validation_error(f"File {file_id} not found", field_name=where)


def _check_file_caps(caps: Capabilities, *, file: Any, count: int, total: int, index: int) -> None:
    where = f"attachments[{index}]"
    if "FILE" not in caps.outgoingAttachmentTypes:
        raise validation_error("This channel cannot send files", field_name=where)
    if count > caps.maxFileAttachmentCount:
        raise validation_error(
            f"This channel sends at most {caps.maxFileAttachmentCount} file(s) per message",
            field_name=where,
        )
    if file.size > caps.maxFileAttachmentSizeBytes:
        raise validation_error(
            f"{full_name(file)} is {file.size} bytes; this channel sends files up to "
            f"{caps.maxFileAttachmentSizeBytes} bytes",
            field_name=f"{where}.fileId",
        )
    cap_total = caps.maxTotalFileAttachmentSizeBytes
    if cap_total is not None and total > cap_total:
        raise validation_error(
            f"The files add up to {total} bytes; this channel sends up to {cap_total} bytes "
            "per message",
            field_name=f"{where}.fileId",
        )
    if not caps.allows_mime(file.mime_type):
        raise validation_error(
            f"This channel cannot send {file.mime_type} files", field_name=f"{where}.fileId"
        )
