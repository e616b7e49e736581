"""16-bit-per-channel PNG and TIFF where Pillow has no pixel mode for them.

Pillow keeps 16 bits only for single-channel images ("I;16"); it reads 16-bit RGB(A)/LA
PNG and TIFF files as 8-bit and cannot write them at all. So:
  * 16-bit PNG is decoded with torchvision's libpng binding (already a dependency) and
    written by the small PNG encoder below (zlib, "Up" filter, iCCP/pHYs/eXIf chunks);
  * 16-bit TIFF is written by the baseline TIFF encoder below (Deflate + horizontal
    predictor, ICC and resolution tags) and read back here for uncompressed or Deflate
    strips; other 16-bit TIFF layouts (LZW, tiles, planar) return None and the caller
    falls back to Pillow's 8-bit decode.
Arrays are H x W x C uint16 with C in 1..4 (grey, grey+alpha, RGB, RGBA).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}      # channels -> PNG colour type
ROWS_PER_CHUNK = 64                             # rows handed to zlib at a time (bounds memory)
EXIF_PREFIX = b"Exif\x00\x00"


class Image16Error(Exception):
    """A 16-bit file this module cannot decode; the message is one line."""


def decode_png16(data: bytes) -> np.ndarray:
    """Decode a 16-bit PNG (any colour type) to H x W x C uint16."""
    import torch
    from torchvision.io import ImageReadMode, decode_png

    try:
        tensor = decode_png(torch.frombuffer(bytearray(data), dtype=torch.uint8), mode=ImageReadMode.UNCHANGED)
    except RuntimeError as exc:
        raise Image16Error(str(exc).strip().splitlines()[0] if str(exc).strip() else "broken PNG") from None
    array = tensor.permute(1, 2, 0).contiguous().numpy()
    return array.astype(np.uint16, copy=False)


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


# --- TIFF -------------------------------------------------------------------------------

TIFF_SHORT, TIFF_LONG, TIFF_RATIONAL, TIFF_UNDEFINED = 3, 4, 5, 7
ROWS_PER_STRIP = 32
COMPRESSION_NONE, COMPRESSION_DEFLATE, COMPRESSION_ADOBE_DEFLATE = 1, 32946, 8


def write_tiff16(f: BinaryIO, array: np.ndarray, icc: bytes | None = None,
                 dpi: tuple[float, float] | None = None) -> None:
    """Write H x W x C uint16 as a little-endian baseline TIFF (Deflate, predictor 2).

    `f` must be seekable: strips are written first and the directory last.
    """
    height, width, channels = array.shape
    f.write(b"II*\x00" + struct.pack("<I", 0))        # IFD offset patched at the end
    offsets, counts = [], []
    for top in range(0, height, ROWS_PER_STRIP):
        strip = array[top:top + ROWS_PER_STRIP].astype("<u2", copy=True)
        # Horizontal predictor: store each sample minus its left neighbour (mod 2^16).
        strip[:, 1:] -= array[top:top + ROWS_PER_STRIP, :-1].astype("<u2")
        data = zlib.compress(strip.tobytes(), 6)
        offsets.append(f.tell())
        counts.append(len(data))
        f.write(data)
    if f.tell() > 0xFFFF_0000:
        raise Image16Error("the 16-bit TIFF would exceed 4 GB; save as 16-bit PNG instead")
    tags: list[tuple[int, int, list | bytes]] = [
        (256, TIFF_LONG, [width]), (257, TIFF_LONG, [height]),
        (258, TIFF_SHORT, [16] * channels), (259, TIFF_SHORT, [COMPRESSION_ADOBE_DEFLATE]),
        (262, TIFF_SHORT, [2 if channels >= 3 else 1]), (273, TIFF_LONG, offsets),
        (277, TIFF_SHORT, [channels]), (278, TIFF_LONG, [ROWS_PER_STRIP]), (279, TIFF_LONG, counts),
        (284, TIFF_SHORT, [1]), (317, TIFF_SHORT, [2]),
    ]
    if dpi:
        tags += [(282, TIFF_RATIONAL, _rational(dpi[0])), (283, TIFF_RATIONAL, _rational(dpi[1])),
                 (296, TIFF_SHORT, [2])]
    if channels in (2, 4):
        tags.append((338, TIFF_SHORT, [2]))            # extra sample = unassociated alpha
    if icc:
        tags.append((34675, TIFF_UNDEFINED, icc))
    _write_ifd(f, sorted(tags, key=lambda t: t[0]))


def _rational(value: float) -> list[int]:
    return [max(1, round(value * 1000)), 1000]


def _write_ifd(f: BinaryIO, tags: list[tuple[int, int, list | bytes]]) -> None:
    """Write out-of-line values, then the directory, and point the header at it."""
    entries = []
    for tag, kind, values in tags:
        if kind == TIFF_UNDEFINED:
            payload, count = bytes(values), len(values)
        elif kind == TIFF_RATIONAL:
            payload, count = struct.pack("<2I", *values), 1
        else:
            payload, count = struct.pack(f"<{len(values)}{'H' if kind == TIFF_SHORT else 'I'}", *values), len(values)
        if len(payload) <= 4:
            entries.append(struct.pack("<HHI", tag, kind, count) + payload.ljust(4, b"\x00"))
        else:
            if f.tell() % 2:
                f.write(b"\x00")                       # values start on a word boundary
            entries.append(struct.pack("<HHII", tag, kind, count, f.tell()))
            f.write(payload)
    if f.tell() % 2:
        f.write(b"\x00")
    ifd_offset = f.tell()
    f.write(struct.pack("<H", len(entries)) + b"".join(entries) + struct.pack("<I", 0))
    f.seek(4)
    f.write(struct.pack("<I", ifd_offset))
    f.seek(0, 2)


def read_tiff16(image, data: bytes) -> np.ndarray | None:
    """Decode the pixels of a 16-bit TIFF that Pillow opened (`image`), or None if unsupported.

    Handles contiguous strips, uncompressed or Deflate, with or without the horizontal
    predictor: what this module writes and what most editors export with ZIP compression.
    """
    tags = image.tag_v2
    channels = int(tags.get(277, 1))
    bits = tags.get(258, (1,))
    compression = int(tags.get(259, 1))
    if (set(bits) != {16} or int(tags.get(284, 1)) != 1 or 273 not in tags or 322 in tags
            or compression not in (COMPRESSION_NONE, COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE)
            or int(tags.get(317, 1)) not in (1, 2) or int(tags.get(339, 1)) not in (1,)):
        return None
    width, height = image.size
    dtype = "<u2" if data[:2] == b"II" else ">u2"
    strips = []
    for offset, count in zip(tags[273], tags[279]):
        raw = data[offset:offset + count]
        if len(raw) < count:
            raise Image16Error("the TIFF file is truncated")
        try:
            strips.append(zlib.decompress(raw) if compression != COMPRESSION_NONE else raw)
        except zlib.error:
            raise Image16Error("a TIFF strip is damaged") from None
    flat = np.frombuffer(b"".join(strips), dtype=dtype)
    if flat.size < width * height * channels:
        raise Image16Error("the TIFF file is truncated")
    array = flat[:width * height * channels].reshape(height, width, channels).astype(np.uint16)
    if int(tags.get(317, 1)) == 2:
        # Undo the predictor strip by strip: each row is a running sum along x (mod 2^16).
        np.cumsum(array, axis=1, dtype=np.uint16, out=array)
    return array
