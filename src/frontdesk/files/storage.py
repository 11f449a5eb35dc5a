"""Where file bytes live: a small storage interface and its local-directory backend.

Keys are random (never derived from a client's file name), so a key can name no path outside
the storage root. Bytes reach a key by writing a temporary file and renaming it over the key:
a crash leaves at most a stray temporary file, never half a file under a key.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio.to_thread

from frontdesk.config import Settings

_KEY = re.compile(r"^[0-9a-f]{32}$")


class FileStorage(Protocol):
    """What the files domain needs from a storage backend (local now, S3-compatible later)."""

    def new_key(self) -> str: ...

    def new_temp_file(self) -> tuple[Path, BinaryIO]: ...

    async def put(self, key: str, source: Path | BinaryIO) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    async def delete(self, key: str) -> None: ...

    def path(self, key: str) -> Path | None: ...


class LocalStorage:
    """Files under one directory: `<root>/ab/cd/<key>`, temporary files in `<root>/tmp`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"

    def new_key(self) -> str:
        return secrets.token_hex(16)

    def new_temp_file(self) -> tuple[Path, BinaryIO]:
        """An empty temporary file on the storage's file system (so `put` can rename it)."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
        return Path(name), os.fdopen(fd, "w+b")

    async def put(self, key: str, source: Path | BinaryIO) -> None:
        """Store `source` under `key`: a path is moved in, a binary file object copied."""
        target = self._key_path(key)
        if isinstance(source, Path):
            await anyio.to_thread.run_sync(_move_in, source, target)
            return
        temp, handle = self.new_temp_file()
        try:
            with handle:
                await anyio.to_thread.run_sync(shutil.copyfileobj, source, handle)
            await anyio.to_thread.run_sync(_move_in, temp, target)
        finally:
            temp.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self._key_path(key).open("rb")

    async def delete(self, key: str) -> None:
        # No await inside: a cancelled request cannot interrupt the clean-up half way.
        self._key_path(key).unlink(missing_ok=True)

    def path(self, key: str) -> Path | None:
        return self._key_path(key)

    def _key_path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key[2:4] / key


def _move_in(source: Path, target: Path) -> None:
    # fsync before the rename: otherwise a power cut could leave the name pointing at an
    # empty or partial file, which is exactly what the rename is meant to rule out.
    with source.open("rb") as handle:
        os.fsync(handle.fileno())
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def from_settings(settings: Settings) -> LocalStorage:
    """The storage backend the settings choose (the data directory's `files` folder)."""
    return LocalStorage(settings.files_dir)
