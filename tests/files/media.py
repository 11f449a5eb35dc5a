"""Small but well-formed heads of the media formats a bridge uploads (made here, not fetched)."""

from __future__ import annotations

import random
import struct

from frontdesk.demo import media as demo_media


def png() -> bytes:
    """One red pixel."""
    return demo_media.encode_png(1, 1, b"\xff\x00\x00")


def ogg_opus() -> bytes:
    """The first Ogg page of an Opus voice note (what WhatsApp and Telegram send)."""
    opus_head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    page = b"OggS\x00\x02" + struct.pack("<qIII", 0, 1, 0, 0) + bytes([1, len(opus_head)])
    return page + opus_head + b"OggS\x00\x00" + b"\x00" * 64


def mp4() -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomavc1"
    return ftyp + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def m4a() -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypM4A " + struct.pack(">I", 0) + b"M4A isom"
    return ftyp + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def webm(*, video: bool) -> bytes:
    header = bytes.fromhex("1A45DFA3") + b"\x9f\x42\x82\x84webm\x42\x87\x81\x04"
    codec = b"V_VP9" if video else b"A_OPUS"
    return header + b"\x18\x53\x80\x67\x01" + b"\x86" + bytes([len(codec)]) + codec + b"\x00" * 32


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 64


def wav() -> bytes:
    """A WAV header with no samples (8 kHz, 16-bit mono)."""
    return demo_media.encode_wav([], rate=8000)


def webp() -> bytes:
    """A sticker."""
    return b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + struct.pack("<I", 18) + b"\x00" * 18


def text() -> bytes:
    return "Hello from the bridge,\nünïcödé included.\n".encode()


def random_bytes(size: int = 2048) -> bytes:
    data = random.Random(7).randbytes(size)
    return b"\x00\x01" + data  # a fixed start no magic number begins with
