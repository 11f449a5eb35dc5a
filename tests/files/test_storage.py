"""The local storage backend: random keys, whole files only, nothing outside its root."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from frontdesk.files.storage import LocalStorage


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.asyncio
async def test_put_moves_a_temp_file_in_under_the_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    temp, handle = storage.new_temp_file()
    with handle:
        handle.write(b"voice note")
    key = storage.new_key()
    await storage.put(key, temp)
    assert not temp.exists()
    with storage.open(key) as stored:
        assert stored.read() == b"voice note"
    path = storage.path(key)
    assert path is not None
    assert path.is_relative_to(tmp_path / "files")
    assert _files_under(storage.tmp_dir) == []


@pytest.mark.asyncio
async def test_put_copies_a_file_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    key = storage.new_key()
    await storage.put(key, io.BytesIO(b"sticker"))
    with storage.open(key) as stored:
        assert stored.read() == b"sticker"
    assert _files_under(storage.tmp_dir) == []


@pytest.mark.asyncio
async def test_a_failed_put_leaves_nothing_under_the_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    key = storage.new_key()
    with pytest.raises(FileNotFoundError):
        await storage.put(key, tmp_path / "missing")
    assert _files_under(tmp_path / "files") == []


@pytest.mark.asyncio
async def test_delete_removes_and_tolerates_a_missing_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    key = storage.new_key()
    await storage.put(key, io.BytesIO(b"x"))
    await storage.delete(key)
    await storage.delete(key)
    assert _files_under(tmp_path / "files") == []


def test_keys_are_random_hex() -> None:
    storage = LocalStorage(Path("unused"))
    keys = {storage.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in keys)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABCDEF", "", "a" * 31, "g" * 32])
def test_a_key_that_is_not_ours_names_no_path(key: str) -> None:
    storage = LocalStorage(Path("unused"))
    with pytest.raises(ValueError, match="storage key"):
        storage.path(key)
