"""Reading HubSpot's upload form as it streams in: the `file` part goes straight to a
temporary file beside the storage (hashed and counted on the way), the other parts to memory.

Starlette's form parser would spool the file to the system's temp directory and make us copy
it again; this reader writes each byte once and stops reading as soon as the limit is passed.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from frontdesk.core.errors import AppError, ErrorDetail, validation_error
from frontdesk.files.sniff import HEAD_BYTES
from frontdesk.files.storage import FileStorage

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 32


@dataclass
class ReceivedFile:
    """The `file` part, already on disk in a temporary file."""

    temp_path: Path
    filename: str | None
    size: int = 0
    sha256: str = ""
    head: bytes = b""


@dataclass
class ReceivedForm:
    """Every text field of the form, and the file part if there was one."""

    fields: dict[str, str] = field(default_factory=dict)
    file: ReceivedFile | None = None

    def discard(self) -> None:
        """Remove the temporary file (a no-op once storage has moved it in)."""
        if self.file is not None:
            self.file.temp_path.unlink(missing_ok=True)


def too_large(max_bytes: int) -> AppError:
    message = f"The file is larger than the limit of {max_bytes} bytes"
    return AppError(
        message, "PAYLOAD_TOO_LARGE", 413, errors=[ErrorDetail(message, in_=FILE_FIELD)]
    )


def multipart_boundary(content_type: str) -> bytes:
    """The boundary of a multipart/form-data body; 415 for any other content type."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        message = "Uploads must be sent as multipart/form-data"
        raise AppError(
            message,
            "UNSUPPORTED_MEDIA_TYPE",
            415,
            errors=[ErrorDetail(message, in_="Content-Type")],
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise validation_error("The multipart body has no boundary", field_name="Content-Type")
    return boundary


async def receive_form(
    content_type: str,
    stream: AsyncIterator[bytes],
    *,
    storage: FileStorage,
    max_file_bytes: int,
) -> ReceivedForm:
    """Read the whole form; on any failure nothing is left on disk."""
    reader = _FormReader(storage=storage, max_file_bytes=max_file_bytes)
    parser = MultipartParser(multipart_boundary(content_type), reader.callbacks())
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
        reader.check_complete()
    except MultipartParseError as exc:
        reader.abort()
        raise validation_error("The multipart body is malformed", field_name="body") from exc
    except BaseException:
        reader.abort()
        raise
    return reader.form


class _FormReader:
    def __init__(self, *, storage: FileStorage, max_file_bytes: int) -> None:
        self.storage = storage
        self.max_file_bytes = max_file_bytes
        self.form = ReceivedForm()
        self._parts = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._data = bytearray()
        self._handle: BinaryIO | None = None
        self._hash = hashlib.sha256()
        self._in_part = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise validation_error(f"More than {MAX_PARTS} form fields", field_name="body")
        self._disposition = b""
        self._data = bytearray()
        self._in_part = True

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise validation_error("A form part has no name", field_name="body")
        self._name = _decode(options[b"name"])
        filename = _decode(options[b"filename"]) if b"filename" in options else None
        if self._name != FILE_FIELD:
            if filename is not None:
                raise validation_error("Only the file part may carry a file", field_name=self._name)
            return
        if self.form.file is not None:
            raise validation_error("Send one file per upload", field_name=FILE_FIELD)
        temp_path, self._handle = self.storage.new_temp_file()
        self.form.file = ReceivedFile(temp_path=temp_path, filename=filename)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._handle is None:
            if len(self._data) + len(chunk) > MAX_FIELD_BYTES:
                raise validation_error(
                    f"A form field is longer than {MAX_FIELD_BYTES} bytes", field_name=self._name
                )
            self._data.extend(chunk)
            return
        received = self.form.file
        assert received is not None
        received.size += len(chunk)
        if received.size > self.max_file_bytes:
            raise too_large(self.max_file_bytes)
        if len(received.head) < HEAD_BYTES:
            received.head += chunk[: HEAD_BYTES - len(received.head)]
        self._hash.update(chunk)
        # A plain write: a chunk lands in the page cache in microseconds, far less than a
        # thread hop per chunk would cost; the fsync happens once, off the loop, in `put`.
        self._handle.write(chunk)

    def _part_end(self) -> None:
        self._in_part = False
        if self._handle is None:
            self.form.fields[self._name] = self._data.decode("utf-8", errors="replace")
            return
        self._handle.close()
        self._handle = None
        assert self.form.file is not None
        self.form.file.sha256 = self._hash.hexdigest()

    def check_complete(self) -> None:
        if self._in_part or self._handle is not None:
            raise validation_error("The multipart body ended inside a part", field_name="body")

    def abort(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        self.form.discard()


def _decode(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")
