"""The MIME type comes from the bytes; the name only chooses among what the bytes match."""

from __future__ import annotations

import pytest

from frontdesk.files.sniff import extension_for, hubspot_type, is_inline, sniff_mime_type
from tests.files import media


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (media.png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (media.webp(), "image/webp"),
        (media.ogg_opus(), "audio/ogg"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", "video/ogg"),
        (media.mp4(), "video/mp4"),
        (media.m4a(), "audio/mp4"),
        (media.webm(video=True), "video/webm"),
        (media.webm(video=False), "audio/webm"),
        (media.mp3(), "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 32, "audio/mpeg"),
        (b"\xff\xf1\x50\x80" + b"\x00" * 32, "audio/aac"),
        (media.wav(), "audio/wav"),
        (b"#!AMR\n" + b"\x00" * 16, "audio/amr"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"PK\x03\x04" + b"\x00" * 40, "application/zip"),
        (media.text(), "text/plain"),
        (media.random_bytes(), "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_sniffs_from_the_bytes(data: bytes, expected: str) -> None:
    assert sniff_mime_type(data, name="upload.bin") == expected


def test_the_name_never_overrides_the_bytes() -> None:
    assert sniff_mime_type(media.png(), name="notes.txt") == "image/png"
    assert sniff_mime_type(media.random_bytes(), name="photo.png") == "application/octet-stream"


def test_the_name_chooses_among_matching_types() -> None:
    # A Word file is a ZIP: only its name tells it from any other archive.
    assert sniff_mime_type(b"PK\x03\x04" + b"\x00" * 40, name="report.docx") == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert sniff_mime_type(b"a,b\n1,2\n", name="table.csv") == "text/csv"


def test_text_cut_inside_a_character_is_still_text() -> None:
    head = "é".encode() * 100
    assert sniff_mime_type(head[:-1], name="") == "text/plain"


def test_control_characters_are_not_text() -> None:
    assert sniff_mime_type(b"\x01\x02\x03\x04\x05abc", name="") == "application/octet-stream"


@pytest.mark.parametrize(
    ("mime", "coarse"),
    [
        ("image/png", "IMG"),
        ("video/mp4", "MOVIE"),
        ("audio/ogg", "AUDIO"),
        ("application/pdf", "DOCUMENT"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCUMENT"),
        ("text/plain", "TEXT"),
        ("application/zip", "OTHER"),
        ("application/octet-stream", "OTHER"),
    ],
)
def test_hubspot_type(mime: str, coarse: str) -> None:
    assert hubspot_type(mime) == coarse


def test_inline_only_for_script_free_media() -> None:
    assert is_inline("image/png")
    assert is_inline("audio/ogg")
    assert is_inline("video/mp4")
    assert not is_inline("image/svg+xml")
    assert not is_inline("text/html")
    assert not is_inline("application/pdf")


def test_extension_for() -> None:
    assert extension_for("audio/ogg") == "ogg"
    assert extension_for("image/jpeg") == "jpg"
    assert extension_for("application/json") == "json"
    assert extension_for("application/x-unknown-thing") == ""
