"""A short video made in code: an H.264 Baseline stream in MP4 made only of I_PCM
macroblocks. Each macroblock carries its samples raw, so no transform or entropy coder is
needed, and every H.264 decoder must support it; browsers play it.
"""

from __future__ import annotations

import functools
import math
import struct

from frontdesk.demo.media import Rgb, mix


class _Bits:
    """An RBSP bit writer: fixed-width and Exp-Golomb fields, raw bytes when aligned."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._count = 0

    def u(self, value: int, bits: int) -> None:
        for shift in range(bits - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self.out.append(self._acc)
                self._acc = self._count = 0

    def ue(self, value: int) -> None:
        width = (value + 1).bit_length()
        self.u(0, width - 1)
        self.u(value + 1, width)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align(self) -> None:
        while self._count:
            self.u(0, 1)

    def raw(self, data: bytes) -> None:
        assert self._count == 0, "raw bytes start on a byte boundary"
        self.out += data

    def trailing(self) -> bytes:
        self.u(1, 1)  # rbsp_stop_one_bit
        self.align()
        return bytes(self.out)


def _nal(ref_idc: int, kind: int, rbsp: bytes) -> bytes:
    # Emulation prevention: no 00 00 0x (x <= 3) inside a NAL unit.
    out = bytearray([(ref_idc << 5) | kind])
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps(mb_width: int, mb_height: int) -> bytes:
    bits = _Bits()
    bits.u(66, 8)  # profile_idc: Baseline
    bits.u(0b11000000, 8)  # constraint_set0/1: constrained Baseline
    bits.u(30, 8)  # level_idc 3.0
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4
    bits.ue(2)  # pic_order_cnt_type: output order is decoding order
    bits.ue(1)  # max_num_ref_frames
    bits.u(0, 1)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(mb_width - 1)
    bits.ue(mb_height - 1)
    bits.u(1, 1)  # frame_mbs_only_flag
    bits.u(1, 1)  # direct_8x8_inference_flag
    bits.u(0, 1)  # frame_cropping_flag
    bits.u(0, 1)  # vui_parameters_present_flag
    return _nal(3, 7, bits.trailing())


def _pps() -> bytes:
    bits = _Bits()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.u(0, 1)  # entropy_coding_mode_flag: CAVLC
    bits.u(0, 1)  # bottom_field_pic_order_in_frame_present_flag
    bits.ue(0)  # num_slice_groups_minus1
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.u(0, 1)  # weighted_pred_flag
    bits.u(0, 2)  # weighted_bipred_idc
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.u(0, 1)  # deblocking_filter_control_present_flag
    bits.u(0, 1)  # constrained_intra_pred_flag
    bits.u(0, 1)  # redundant_pic_cnt_present_flag
    return _nal(3, 8, bits.trailing())


def _idr_slice(macroblocks: list[bytes], idr_pic_id: int) -> bytes:
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I (every slice of the picture)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(0, 4)  # frame_num (log2_max_frame_num = 4)
    bits.ue(idr_pic_id)
    bits.u(0, 1)  # no_output_of_prior_pics_flag
    bits.u(0, 1)  # long_term_reference_flag
    bits.se(0)  # slice_qp_delta
    for samples in macroblocks:
        bits.ue(25)  # mb_type: I_PCM
        bits.align()  # pcm_alignment_zero_bits
        bits.raw(samples)
    return _nal(3, 5, bits.trailing())


def _yuv(rgb: Rgb) -> Rgb:
    r, g, b = rgb  # BT.601, limited range
    return (
        round(16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256),
        round(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256),
        round(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256),
    )


def _ball_frame(index: int, frames: int, width: int, height: int) -> list[list[Rgb]]:
    """One frame in YUV: a red ball bouncing over grass under a blue sky."""
    t = index / frames
    bx = 16 + (width - 32) * t
    by = height - 18 - abs(math.sin(math.pi * 2 * t)) * (height - 40)
    ball = _yuv((230, 80, 60))
    rows = []
    for y in range(height):
        background = _yuv((90, 160, 90) if y > height - 8 else _sky(y / height))
        dy = (y - by) ** 2
        rows.append([ball if (x - bx) ** 2 + dy < 100 else background for x in range(width)])
    return rows


def _sky(t: float) -> Rgb:
    return mix((120, 190, 240), (230, 244, 250), t)


def _macroblocks(yuv: list[list[Rgb]]) -> list[bytes]:
    blocks = []
    for my in range(0, len(yuv), 16):
        for mx in range(0, len(yuv[0]), 16):
            luma = bytes(yuv[my + j][mx + i][0] for j in range(16) for i in range(16))
            cb = bytes(yuv[my + 2 * j][mx + 2 * i][1] for j in range(8) for i in range(8))
            cr = bytes(yuv[my + 2 * j][mx + 2 * i][2] for j in range(8) for i in range(8))
            blocks.append(luma + cb + cr)
    return blocks


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _avc1(width: int, height: int, sps: bytes, pps: bytes) -> bytes:
    avcc = _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)) + sps,
        bytes([1]) + struct.pack(">H", len(pps)) + pps,
    )
    name = b"Frontdesk demo"
    return _box(
        b"avc1",
        b"\x00" * 6 + struct.pack(">H", 1),  # reserved, data_reference_index
        b"\x00" * 16,  # pre_defined and reserved
        struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),
        bytes([len(name)]) + name.ljust(31, b"\x00"),
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )


def _moov(width: int, height: int, sizes: list[int], delta: int, data_offset: int) -> bytes:
    duration = delta * len(sizes)
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _avc1(width, height, *_PARAMETER_SETS)),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, len(sizes), delta)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),
        _full_box(b"stsz", 0, 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, data_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, b"\x00" * 8),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, 1000, duration, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, b"\x00" * 4 + b"vide" + b"\x00" * 12 + b"VideoHandler\x00"),
        minf,
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        b"\x00" * 8 + struct.pack(">hhHH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIIH", 0, 0, 1000, duration, 0x10000, 0x100),
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


_VIDEO_SIZE = (128, 96)
_PARAMETER_SETS = (_sps(_VIDEO_SIZE[0] // 16, _VIDEO_SIZE[1] // 16), _pps())


@functools.cache
def ball_mp4(frames: int = 16, fps: int = 8) -> bytes:
    """A two-second clip of a bouncing ball (H.264 Baseline in MP4, moov first)."""
    width, height = _VIDEO_SIZE
    samples = []
    for index in range(frames):
        nal = _idr_slice(_macroblocks(_ball_frame(index, frames, width, height)), index % 2)
        samples.append(struct.pack(">I", len(nal)) + nal)
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    sizes = [len(s) for s in samples]
    delta = 1000 // fps
    moov_size = len(_moov(width, height, sizes, delta, 0))
    moov = _moov(width, height, sizes, delta, len(ftyp) + moov_size + 8)
    return ftyp + moov + _box(b"mdat", *samples)
