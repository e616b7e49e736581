"""16-bit PNG, which Pillow reads as 8-bit (colour and grey+alpha) and cannot write.

A small codec in zlib + numpy: the encoder uses the "Up" filter and writes iCCP, pHYs and
eXIf chunks; the decoder handles all five row filters. Interlaced 16-bit PNGs return None
and the caller falls back to Pillow's 8-bit decode.
Arrays are H x W x C uint16 with C in 1..4 (grey, grey+alpha, RGB, RGBA).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

import numpy as np

from core.imageio.image_types import CodecError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}      # channels -> PNG colour type
ROWS_PER_CHUNK = 64                             # rows handed to zlib at a time (bounds memory)
EXIF_PREFIX = b"Exif\x00\x00"


def decode_png16(data: bytes) -> np.ndarray | None:
    """Decode a non-interlaced 16-bit PNG to H x W x C uint16; None for interlaced files.

    PNG rows are filtered against the pixel to the left, above and above-left, so a pixel
    depends only on earlier anti-diagonals: decoding one diagonal at a time vectorises the
    Paeth/Average filters with numpy (H + W steps instead of H * W).
    """
    width, height, bit_depth, color_type, interlace, idat = _png_layout(data)
    channels = {0: 1, 4: 2, 2: 3, 6: 4}.get(color_type)
    if bit_depth != 16 or channels is None:
        raise CodecError("not a 16-bit grey or colour PNG")
    if interlace:
        return None
    bpp = 2 * channels
    try:
        raw = zlib.decompressobj().decompress(idat, height * (width * bpp + 1))
    except zlib.error:
        raise CodecError("the PNG pixel data is damaged") from None
    if len(raw) < height * (width * bpp + 1):
        raise CodecError("the PNG file is truncated")
    rows = np.frombuffer(raw, dtype=np.uint8, count=height * (width * bpp + 1)).reshape(height, -1)
    filters = rows[:, 0]
    if filters.max(initial=0) > 4:
        raise CodecError("the PNG pixel data is damaged (unknown row filter)")
    pixels = _unfilter(rows[:, 1:].reshape(height, width, bpp), filters)
    return pixels.view(">u2").reshape(height, width, channels).astype(np.uint16)


def _png_layout(data: bytes) -> tuple[int, int, int, int, int, bytes]:
    """(width, height, bit depth, colour type, interlace, concatenated IDAT) from the chunks."""
    if not data.startswith(PNG_SIGNATURE):
        raise CodecError("not a PNG file")
    position, idat, header = len(PNG_SIGNATURE), [], None
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR" and len(body) == 13:
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None:
        raise CodecError("the PNG header is missing")
    width, height, bit_depth, color_type, _, _, interlace = header
    return width, height, bit_depth, color_type, interlace, b"".join(idat)


def _unfilter(filtered: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Undo PNG filters 0-4 on H x W x bpp bytes.

    None/Sub/Up rows are whole-row numpy operations; runs of Average/Paeth rows, where each
    pixel needs its decoded left neighbour, are solved one anti-diagonal at a time.
    """
    height, width, bpp = filtered.shape
    out = np.zeros((height + 1, width + 1, bpp), dtype=np.int16)   # zero row/column = "outside"
    y = 0
    while y < height:
        kind = int(filters[y])
        if kind in (0, 1, 2):
            row = filtered[y].astype(np.int16)
            if kind == 1:
                row = np.cumsum(row, axis=0)
            elif kind == 2:
                row = row + out[y, 1:]
            out[y + 1, 1:] = row & 0xFF
            y += 1
            continue
        end = y
        while end < height and filters[end] in (3, 4):
            end += 1
        _unfilter_diagonals(filtered, filters, out, y, end)
        y = end
    return np.ascontiguousarray(out[1:, 1:].astype(np.uint8))


def _unfilter_diagonals(filtered: np.ndarray, filters: np.ndarray, out: np.ndarray, first: int, end: int) -> None:
    """Rows first..end-1 (Average/Paeth): a pixel needs only earlier anti-diagonals."""
    rows, width = end - first, filtered.shape[1]
    paeth_rows = (filters[first:end] == 4)
    for d in range(rows + width - 1):
        ys = np.arange(max(0, d - width + 1), min(rows - 1, d) + 1)
        xs = d - ys
        gy = ys + first
        a, b, c = out[gy + 1, xs], out[gy, xs + 1], out[gy, xs]         # left, up, up-left
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        predictor = np.where(paeth_rows[ys][:, None], paeth, (a + b) // 2)
        out[gy + 1, xs + 1] = (filtered[gy, xs].astype(np.int16) + predictor) & 0xFF


def write_png16(f: BinaryIO, array: np.ndarray, icc: bytes | None = None,
                dpi: tuple[float, float] | None = None, exif: bytes | None = None) -> None:
    """Write H x W x C uint16 as a 16-bit PNG."""
    height, width, channels = array.shape
    f.write(PNG_SIGNATURE)
    _png_chunk(f, b"IHDR", struct.pack(">IIBBBBB", width, height, 16, PNG_COLOR_TYPES[channels], 0, 0, 0))
    if icc:
        _png_chunk(f, b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc))
    if dpi:
        ppm = [max(1, round(d / 0.0254)) for d in dpi]
        _png_chunk(f, b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    if exif:
        _png_chunk(f, b"eXIf", exif[len(EXIF_PREFIX):] if exif.startswith(EXIF_PREFIX) else exif)
    big_endian = array.astype(">u2", copy=False)
    compressor = zlib.compressobj(6)
    previous = np.zeros((width * channels * 2,), dtype=np.uint8)
    for top in range(0, height, ROWS_PER_CHUNK):
        rows = big_endian[top:top + ROWS_PER_CHUNK].reshape(-1, width * channels).view(np.uint8)
        # "Up" filter (type 2): each row minus the row above, bytewise mod 256; vectorised.
        above = np.vstack([previous[None, :], rows[:-1]])
        filtered = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
        filtered[:, 0] = 2
        filtered[:, 1:] = rows - above
        previous = rows[-1].copy()
        data = compressor.compress(filtered.tobytes())
        if data:
            _png_chunk(f, b"IDAT", data)
    _png_chunk(f, b"IDAT", compressor.flush())
    _png_chunk(f, b"IEND", b"")


def _png_chunk(f: BinaryIO, kind: bytes, data: bytes) -> None:
    f.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
