"""The demo's media are well-formed files of their types, and a browser decodes them all."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import struct
import wave
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from frontdesk.demo import media, video
from frontdesk.demo.script import MEDIA
from frontdesk.files.sniff import HEAD_BYTES, sniff_mime_type

CHROMIUM = Path(os.environ.get("FRONTDESK_TEST_CHROMIUM", "/usr/bin/chromium"))


def test_each_demo_file_is_sniffed_as_its_type() -> None:
    expected = {
        ".png": "image/png",
        ".wav": "audio/wav",
        ".mp4": "video/mp4",
        ".pdf": "application/pdf",
    }
    for item in MEDIA.values():
        data = item.make()
        assert (
            sniff_mime_type(data[:HEAD_BYTES], name=item.file_name)
            == expected[Path(item.file_name).suffix]
        ), item.file_name


def png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        yield kind, body
        at += 12 + length


@pytest.mark.parametrize("make", [media.sunset_png, media.parcel_png, media.sticker_png])
def test_pictures_are_complete_pngs(make: Any) -> None:
    chunks = dict(png_chunks(make()))
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + width * channels)
    assert b"IEND" in chunks


@pytest.mark.parametrize(
    ("make", "seconds"), [(media.voice_note_wav, 2.5), (media.jingle_wav, 2.3)]
)
def test_sounds_are_wavs_of_some_seconds(make: Any, seconds: float) -> None:
    with wave.open(io.BytesIO(make())) as sound:
        assert sound.getnchannels() == 1
        assert sound.getnframes() / sound.getframerate() == pytest.approx(seconds, abs=0.05)
        assert max(sound.readframes(sound.getnframes())) > 0  # not silence


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, tuple[int, int]]:
    """Box type -> (payload start, payload end) of the boxes between `start` and `end`."""
    found, at, end = {}, start, len(data) if end is None else end
    while at < end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        found[kind] = (at + 8, at + size)
        at += size
    assert at == end
    return found


def test_the_video_is_an_mp4_whose_samples_are_h264_idr_pictures() -> None:
    data = video.ball_mp4()
    top = boxes(data)
    assert list(top) == [b"ftyp", b"moov", b"mdat"]
    moov = boxes(data, *top[b"moov"])
    mdia = boxes(data, *boxes(data, *moov[b"trak"])[b"mdia"])
    stbl = boxes(data, *boxes(data, *mdia[b"minf"])[b"stbl"])
    stsz_at = stbl[b"stsz"][0]
    count = struct.unpack(">I", data[stsz_at + 8 : stsz_at + 12])[0]
    sizes = struct.unpack(f">{count}I", data[stsz_at + 12 : stsz_at + 12 + 4 * count])
    chunk_offset = struct.unpack(">I", data[stbl[b"stco"][0] + 8 : stbl[b"stco"][0] + 12])[0]
    assert chunk_offset == top[b"mdat"][0]
    assert sum(sizes) == top[b"mdat"][1] - top[b"mdat"][0]
    at = chunk_offset
    for size in sizes:
        (length,) = struct.unpack(">I", data[at : at + 4])
        nal = data[at + 4 : at + size]
        assert length == len(nal)
        assert nal[0] & 0x1F == 5  # an IDR slice
        assert not re.search(rb"\x00\x00[\x00-\x03]", nal)  # emulation prevented
        at += size
    assert count == 16


@pytest.mark.parametrize("make", [media.invoice_pdf, media.return_label_pdf])
def test_documents_are_pdfs_with_a_correct_cross_reference(make: Any) -> None:
    data = make()
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))  # type: ignore[union-attr]
    assert data[start : start + 4] == b"xref"
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", data)]
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


DECODE = """async () => {
  const loaded = (el, event) => new Promise((ok, fail) => {
    el.addEventListener(event, ok, {once: true});
    el.addEventListener('error', () => fail(new Error(el.id + ': ' + el.error?.message)));
  });
  const video = document.getElementById('video');
  if (video.readyState < 2) await loaded(video, 'loadeddata');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  const sky = Array.from(canvas.getContext('2d').getImageData(4, 4, 1, 1).data);
  const sounds = [];
  for (const id of ['voice', 'beep']) {
    const audio = document.getElementById(id);
    if (audio.readyState < 1) await loaded(audio, 'loadedmetadata');
    sounds.push(audio.duration);
  }
  const images = Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight]);
  return {video: [video.videoWidth, video.videoHeight, video.duration], sky, sounds, images};
}"""


@pytest.mark.asyncio
async def test_a_browser_decodes_every_demo_file() -> None:
    if not CHROMIUM.exists():  # noqa: ASYNC240  (one stat before the browser starts)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sources = {
        "video": ("video/mp4", video.ball_mp4()),
        "voice": ("audio/wav", media.voice_note_wav()),
        "beep": ("audio/wav", media.jingle_wav()),
    }
    html = "".join(
        f'<{"video muted" if id_ == "video" else "audio"} id="{id_}" preload="auto" '
        f'src="{data_url(*source)}"></{"video" if id_ == "video" else "audio"}>'
        for id_, source in sources.items()
    ) + "".join(
        f'<img src="{data_url("image/png", make())}">'
        for make in (media.sunset_png, media.parcel_png, media.sticker_png)
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            await page.set_content(html)
            async with asyncio.timeout(30):
                decoded = await page.evaluate(DECODE)
        finally:
            await browser.close()
    assert decoded["video"] == [128, 96, 2]
    red, _green, blue, _alpha = decoded["sky"]
    assert blue > red + 60  # the first frame's sky is blue: the pixels were decoded
    assert decoded["sounds"] == [pytest.approx(2.5, abs=0.05), pytest.approx(2.3, abs=0.05)]
    assert decoded["images"] == [[320, 200], [320, 240], [160, 160]]
