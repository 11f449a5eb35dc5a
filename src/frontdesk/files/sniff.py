"""The MIME type of an upload, read from its first bytes; the client's claim is never used.

Our own table comes first for the formats a messaging inbox lives on (images, voice notes,
audio and video containers), where puremagic is vague (`application/ogg`, WebM audio shown as
video, a ZIP offered as a Word file); puremagic covers the long tail; then plain text; then
`application/octet-stream`. The file name only picks among types the bytes already match.
"""

from __future__ import annotations

import mimetypes
import os

import puremagic

HEAD_BYTES = 64 * 1024
OCTET_STREAM = "application/octet-stream"

_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/avif": "avif",
    "audio/ogg": "ogg",
    "video/ogg": "ogv",
    "application/ogg": "ogx",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/webm": "webm",
    "audio/webm": "webm",
    "video/x-matroska": "mkv",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/amr": "amr",
    "video/x-msvideo": "avi",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "text/plain": "txt",
    "text/csv": "csv",
}

_DOCUMENT_TYPES = ("application/pdf", "application/msword", "application/rtf", "text/csv")
_DOCUMENT_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
)


def sniff_mime_type(head: bytes, *, name: str = "") -> str:
    """The MIME type of a file whose first bytes (up to HEAD_BYTES) are `head`."""
    known = _known_type(head)
    if known is not None:
        return known
    candidates = _puremagic(head, name)
    extension = os.path.splitext(name)[1].lower()
    for confidence, candidate_ext, mime in candidates:
        if confidence >= 0.9 and candidate_ext == extension:
            return mime
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if candidates and candidates[0][0] >= 0.5:
        return candidates[0][2]
    if _looks_like_text(head):
        return "text/csv" if extension == ".csv" else "text/plain"
    return OCTET_STREAM


def extension_for(mime_type: str) -> str:
    """A usual file extension (without the dot) for a MIME type, or ""."""
    if mime_type in _EXTENSIONS:
        return _EXTENSIONS[mime_type]
    guessed = mimetypes.guess_extension(mime_type) or ""
    return guessed.lstrip(".")


def hubspot_type(mime_type: str) -> str:
    """HubSpot's coarse file type: IMG, MOVIE, AUDIO, DOCUMENT, TEXT or OTHER."""
    major = mime_type.split("/", 1)[0]
    if major == "image":
        return "IMG"
    if major == "video":
        return "MOVIE"
    if major == "audio":
        return "AUDIO"
    if mime_type in _DOCUMENT_TYPES or mime_type.startswith(_DOCUMENT_PREFIXES):
        return "DOCUMENT"
    if mime_type == "text/plain":
        return "TEXT"
    return "OTHER"


def is_inline(mime_type: str) -> bool:
    """Whether a browser may show the file in place (media it renders without scripts)."""
    if mime_type == "image/svg+xml":  # SVG can carry scripts
        return False
    return mime_type.split("/", 1)[0] in ("image", "audio", "video")


def _known_type(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            head[8:12]
        )
    if head.startswith(b"OggS"):
        return _ogg_type(head)
    if head[4:8] == b"ftyp":
        return _iso_media_type(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska_type(head)
    return _audio_or_document_type(head)


def _audio_or_document_type(head: bytes) -> str | None:
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS sync word, layer 0
            return "audio/aac"
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame sync, layer 1-3
            return "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _ogg_type(head: bytes) -> str:
    # Each logical stream starts with a page naming its codec; a video stream makes it video.
    if b"\x80theora" in head:
        return "video/ogg"
    if any(codec in head for codec in (b"OpusHead", b"\x01vorbis", b"\x7fFLAC", b"Speex   ")):
        return "audio/ogg"
    return "application/ogg"


def _iso_media_type(head: bytes) -> str:
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "):
        return "audio/mp4"
    if brand == b"qt  ":
        return "video/quicktime"
    if brand.startswith(b"3g"):
        return "video/3gpp"
    if brand in (b"heic", b"heix", b"heim", b"heis"):
        return "image/heic"
    if brand in (b"mif1", b"msf1"):
        return "image/heif"
    if brand in (b"avif", b"avis"):
        return "image/avif"
    return "video/mp4"


def _matroska_type(head: bytes) -> str:
    # The EBML DocType says webm or matroska; the track codec ids (ASCII, near the start)
    # tell an audio-only recording (a browser's voice note) from a video.
    webm = b"webm" in head[:64]
    video = any(codec in head for codec in (b"V_VP8", b"V_VP9", b"V_AV1", b"V_MPEG", b"V_MS"))
    audio = any(codec in head for codec in (b"A_OPUS", b"A_VORBIS", b"A_AAC", b"A_MPEG"))
    kind = "audio" if audio and not video else "video"
    if webm:
        return f"{kind}/webm"
    return f"{kind}/x-matroska"


def _puremagic(head: bytes, name: str) -> list[tuple[float, str, str]]:
    """puremagic's matches with a MIME type, best first: (confidence, .ext, mime)."""
    if not head:
        return []
    try:
        matches = puremagic.magic_string(head, filename=name or None)
    except (puremagic.PureError, ValueError):
        return []
    found = [(m.confidence, m.extension.lower(), m.mime_type) for m in matches if m.mime_type]
    return sorted(found, key=lambda match: -match[0])


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the head
            return False
        text = head[: exc.start].decode("utf-8")
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f\x1b")
    return controls * 100 <= len(text)
