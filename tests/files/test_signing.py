"""Signed download URLs: bound to one file and one expiry, keyed by the secret key."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from frontdesk.config import Settings
from frontdesk.core.models import now_ms
from frontdesk.files import signing

SECRET = "s3cret"


def _query(path: str) -> tuple[int, str]:
    query = parse_qs(urlsplit(path).query)
    return int(query["expires"][0]), query["signature"][0]


def test_a_signed_path_verifies() -> None:
    expires = now_ms() + 60_000
    path = signing.signed_url_path(SECRET, 42, expires)
    assert path.startswith("/files/v3/files/42/content?")
    got_expires, signature = _query(path)
    assert got_expires == expires
    assert set(signature).isdisjoint("=+/")
    assert signing.verify_signature(SECRET, 42, expires, signature)


def test_a_signature_binds_file_expiry_and_key() -> None:
    expires = now_ms() + 60_000
    signature = signing.sign(SECRET, 42, expires)
    assert not signing.verify_signature(SECRET, 43, expires, signature)
    assert not signing.verify_signature(SECRET, 42, expires + 1, signature)
    assert not signing.verify_signature("other", 42, expires, signature)
    flipped = signature[:-1] + ("B" if signature.endswith("A") else "A")
    assert not signing.verify_signature(SECRET, 42, expires, flipped)


def test_an_expired_signature_fails() -> None:
    expires = now_ms() + 60_000
    signature = signing.sign(SECRET, 42, expires)
    assert not signing.verify_signature(SECRET, 42, expires, signature, now=expires)
    assert signing.verify_signature(SECRET, 42, expires, signature, now=expires - 1)


def test_expiry_is_at_least_the_ttl_and_rounded() -> None:
    now = 1_700_000_123_456
    expires = signing.expiry_ms(3600, now=now)
    assert now + 3_600_000 <= expires < now + 3_600_000 + 5 * 60_000
    assert expires % (5 * 60_000) == 0
    assert signing.expiry_ms(3600, now=now + 1000) == expires  # stable URLs for a while


def test_file_url_factory_makes_absolute_signed_urls(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]
    url = signing.file_url_factory(settings, "https://desk.example.com/")("7")
    assert url.startswith("https://desk.example.com/files/v3/files/7/content?expires=")
    expires, signature = _query(url)
    assert expires >= now_ms() + 3_600_000 - 1000
    assert signing.verify_signature(SECRET, 7, expires, signature)


def test_an_empty_secret_key_fails_loudly(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        signing.file_url_factory(settings, "http://x")
