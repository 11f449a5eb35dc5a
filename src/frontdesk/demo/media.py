"""Media made in code for the demo and the tests: pictures (PNG), a sticker, a voice note and
a jingle (WAV), an invoice and a return label (PDF); the video is in `video`. Nothing is
downloaded and no binary is committed: each file is small, well-formed and opens in a browser.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave
import zlib
from collections.abc import Callable, Iterable

Rgb = tuple[int, int, int]

# --- PNG ---------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(width: int, height: int, pixels: bytes, *, alpha: bool = False) -> bytes:
    """A PNG of 8-bit RGB (or RGBA) pixels given row by row, each row unfiltered."""
    stride = width * (4 if alpha else 3)
    assert len(pixels) == stride * height, "pixels must hold width x height samples"
    raw = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def _render(width: int, height: int, shade: Callable[[int, int], Iterable[int]]) -> bytes:
    return bytes(v for y in range(height) for x in range(width) for v in shade(x, y))


def mix(a: Rgb, b: Rgb, t: float) -> Rgb:
    t = min(max(t, 0.0), 1.0)
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _sunset_pixel(x: int, y: int, width: int, height: int) -> Rgb:
    sky = mix((255, 183, 94), (94, 60, 140), 1 - y / (height * 0.7))
    sun = math.hypot(x - width * 0.68, y - height * 0.5)
    if sun < height * 0.16:
        sky = (255, 236, 170)
    elif sun < height * 0.22:
        sky = mix((255, 226, 150), sky, (sun - height * 0.16) / (height * 0.06))
    far = height * (0.62 + 0.05 * math.sin(x / width * 5.0 + 1.0))
    near = height * (0.75 + 0.07 * math.sin(x / width * 3.1 + 2.5))
    if y > near:
        return mix((58, 95, 60), (30, 52, 36), (y - near) / (height - near + 1))
    if y > far:
        return (110, 88, 120)
    return sky


@functools.cache
def sunset_png(width: int = 320, height: int = 200) -> bytes:
    """A sunset over hills: the holiday picture a customer shares."""
    return encode_png(
        width, height, _render(width, height, lambda x, y: _sunset_pixel(x, y, width, height))
    )


def _parcel_pixel(x: int, y: int) -> Rgb:
    # A cardboard box seen from above-front, its corner crushed: what "arrived damaged" shows.
    if 70 <= x < 250 and 90 <= y < 210:
        if 150 <= x < 170:
            return (214, 190, 120)  # tape
        if x > 205 and y < 90 + (x - 205) * 1.2:
            return (96, 66, 38)  # the crushed corner
        return mix((190, 140, 84), (160, 112, 64), (y - 90) / 120)
    if 90 <= x < 270 and 50 <= y < 90 and x - 90 >= (90 - y) * 0.5:
        return (212, 166, 108) if not 160 <= x < 180 else (226, 204, 140)
    return mix((236, 236, 232), (200, 200, 196), y / 240)


@functools.cache
def parcel_png() -> bytes:
    """A photo of a parcel with a crushed corner."""
    return encode_png(320, 240, _render(320, 240, _parcel_pixel))


def _sticker_pixel(x: int, y: int) -> tuple[int, int, int, int]:
    centre, radius = 79.5, 72.0
    d = math.hypot(x - centre, y - centre)
    if d > radius + 1:
        return (0, 0, 0, 0)
    alpha = round(255 * min(1.0, radius + 1 - d))
    colour: Rgb = (255, 204, 51)
    if d > radius - 5:
        colour = (204, 140, 20)
    eyes = min(math.hypot(x - 55, y - 60), math.hypot(x - 104, y - 60))
    if eyes < 9:
        colour = (60, 40, 20)
    smile = math.hypot(x - centre, y - 78)
    if 38 < smile < 46 and y > 92:
        colour = (60, 40, 20)
    return (*colour, alpha)


@functools.cache
def sticker_png() -> bytes:
    """A smiling sticker on a transparent background."""
    return encode_png(160, 160, _render(160, 160, _sticker_pixel), alpha=True)


# --- WAV ---------------------------------------------------------------------------------


def encode_wav(samples: Iterable[float], *, rate: int) -> bytes:
    """16-bit mono PCM WAV of samples in [-1, 1]."""
    frames = b"".join(struct.pack("<h", round(max(-1.0, min(1.0, s)) * 32000)) for s in samples)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def _voice_sample(i: int, rate: int) -> float:
    t = i / rate
    pitch = 140 + 25 * math.sin(2 * math.pi * 1.3 * t)  # intonation
    phase = 2 * math.pi * pitch * t
    syllables = math.pow(max(0.0, math.sin(2 * math.pi * 3.2 * t)), 0.6)  # ~3 a second
    tone = math.sin(phase) + 0.5 * math.sin(2 * phase) + 0.25 * math.sin(3 * phase)
    return 0.35 * syllables * tone


@functools.cache
def voice_note_wav(seconds: float = 2.5, rate: int = 16000) -> bytes:
    """A voice note: a voiced hum with syllable-like pulses."""
    return encode_wav((_voice_sample(i, rate) for i in range(int(seconds * rate))), rate=rate)


def _jingle_sample(i: int, rate: int, notes: tuple[float, ...], note_s: float) -> float:
    t = i / rate
    index = min(int(t / note_s), len(notes) - 1)
    local = t - index * note_s
    envelope = math.exp(-3.0 * local)
    return 0.4 * envelope * math.sin(2 * math.pi * notes[index] * t)


@functools.cache
def jingle_wav(rate: int = 22050) -> bytes:
    """A short chime (C major arpeggio): the audio file a customer forwards."""
    notes = (523.25, 659.25, 783.99, 1046.5)
    note_s = 0.45
    count = int(len(notes) * note_s * rate + rate * 0.5)
    return encode_wav((_jingle_sample(i, rate, notes, note_s) for i in range(count)), rate=rate)


# --- PDF ---------------------------------------------------------------------------------


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def encode_pdf(lines: list[tuple[int, str]]) -> bytes:
    """A one-page A4 PDF with lines of Helvetica text, each (font size, text)."""
    y = 780
    ops = ["BT", "/F1 12 Tf", "56 780 Td"]
    for index, (size, text) in enumerate(lines):
        step = size + 10 if index else 0
        y -= step
        ops += [f"/F1 {size} Tf", f"0 {-step} Td", f"({_pdf_text(text)}) Tj"]
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@functools.cache
def invoice_pdf() -> bytes:
    """The invoice a customer asks about."""
    return encode_pdf(
        [
            (20, "Invoice 2024-0815"),
            (11, "Northwind Outfitters, 12 Harbour Street"),
            (11, ""),
            (12, "2 x Trail runner shoes, size 42          2 x 89.00 EUR"),
            (12, "1 x Rain jacket, navy, M                      129.00 EUR"),
            (12, "Shipping                                        4.90 EUR"),
            (14, "Total                                         311.90 EUR"),
            (11, ""),
            (10, "Paid by card on delivery. Thank you for your order."),
        ]
    )


@functools.cache
def return_label_pdf() -> bytes:
    """A prepaid return label an agent sends."""
    return encode_pdf(
        [
            (24, "PREPAID RETURN"),
            (12, "From: Daniel Kim"),
            (12, "To: Northwind Outfitters Returns, 12 Harbour Street"),
            (12, "Return authorisation: RMA-77120"),
            (10, "Drop the parcel at any post office within 30 days."),
        ]
    )
