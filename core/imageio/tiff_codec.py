"""Baseline TIFF written by hand, and 16-bit colour TIFF read at full depth.

Pillow's TIFF writer cannot store 16-bit colour, and through libtiff it cannot store the
EXIF sub-directory (date taken, exposure, GPS). So every TIFF output goes through
`write_tiff`: 8 or 16 bits, Deflate + horizontal predictor, ICC, resolution and EXIF.
`read_tiff16` reads 16-bit colour strips of any compression libtiff knows; tiled,
planar or float files return None and the caller falls back to Pillow's 8-bit decode.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import BinaryIO

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import ImageFileDirectory_v2

from core.imageio.image_types import CodecError

TIFF_ASCII, TIFF_SHORT, TIFF_LONG, TIFF_RATIONAL, TIFF_UNDEFINED = 2, 3, 4, 5, 7
ROWS_PER_STRIP = 32
COMPRESSION_NONE, COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE = 1, 8, 32946
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
# Descriptive text tags that live in the main directory of a TIFF (the rest of EXIF lives
# in the EXIF and GPS sub-directories).
TEXT_TAGS = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298)


def write_tiff(f: BinaryIO, array: np.ndarray, icc: bytes | None = None,
               dpi: tuple[float, float] | None = None, exif: bytes | None = None) -> None:
    """Write H x W x C uint8 or uint16 (C = 1, 3 or 4) as a little-endian baseline TIFF.

    Deflate with the horizontal predictor; `f` must be seekable (directory written last).
    """
    height, width, channels = array.shape
    bits = 16 if array.dtype == np.uint16 else 8
    dtype = "<u2" if bits == 16 else "u1"
    f.write(b"II*\x00" + struct.pack("<I", 0))        # IFD offset patched at the end
    offsets, counts = [], []
    for top in range(0, height, ROWS_PER_STRIP):
        rows = array[top:top + ROWS_PER_STRIP]
        strip = rows.astype(dtype, copy=True)
        strip[:, 1:] -= rows[:, :-1].astype(dtype)     # predictor: minus the left neighbour (wraps)
        data = zlib.compress(strip.tobytes(), 6)
        offsets.append(f.tell())
        counts.append(len(data))
        f.write(data)
    if f.tell() > 0xFFFF_0000:
        raise CodecError("the TIFF would exceed 4 GB; save as PNG instead")
    tags: list[tuple[int, int, list | bytes]] = [
        (256, TIFF_LONG, [width]), (257, TIFF_LONG, [height]),
        (258, TIFF_SHORT, [bits] * channels), (259, TIFF_SHORT, [COMPRESSION_ADOBE_DEFLATE]),
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
    tags += _exif_tags(f, exif)
    _write_ifd(f, sorted(tags, key=lambda t: t[0]))


def _exif_tags(f: BinaryIO, exif: bytes | None) -> list[tuple[int, int, list | bytes]]:
    """Main-directory entries for the EXIF text tags, writing the EXIF/GPS sub-directories now."""
    if not exif:
        return []
    try:
        data = Image.Exif()
        data.load(exif)
        entries: list[tuple[int, int, list | bytes]] = []
        for tag in TEXT_TAGS:
            value = data.get(tag)
            if isinstance(value, str) and value.strip("\x00 "):
                entries.append((tag, TIFF_ASCII, value.encode("utf-8", "replace") + b"\x00"))
        for group in (EXIF_IFD, GPS_IFD):
            sub = data.get_ifd(group)
            if not sub:
                continue
            directory = ImageFileDirectory_v2(prefix=b"II", group=group)
            for tag, value in sub.items():
                directory[tag] = value
            position = f.tell() + f.tell() % 2
            blob = directory.tobytes(position)
            f.write(b"\x00" * (position - f.tell()) + blob)
            entries.append((group, TIFF_LONG, [position]))
        return entries
    except Exception:  # noqa: BLE001 - EXIF is optional; a file without it beats no file
        return []


def _rational(value: float) -> list[int]:
    return [max(1, round(value * 1000)), 1000]


def _write_ifd(f: BinaryIO, tags: list[tuple[int, int, list | bytes]]) -> None:
    """Write out-of-line values, then the directory, and point the header at it."""
    entries = []
    for tag, kind, values in tags:
        if kind in (TIFF_UNDEFINED, TIFF_ASCII):
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

    Handles contiguous strips with or without the horizontal predictor. Uncompressed and
    Deflate strips are inflated here; other compressions (LZW, PackBits...) go through
    libtiff by way of `_inflate_with_libtiff`. Tiled, planar or float files return None.
    """
    try:
        layout = _strip_layout(image.tag_v2)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError):
        raise CodecError("the TIFF's strip tags are damaged") from None
    if layout is None:
        return None
    channels, compression, predictor, rows_per_strip, strip_offsets, strip_counts = layout
    width, height = image.size
    if len(strip_offsets) != len(strip_counts):
        raise CodecError("the TIFF's strip tags are damaged")
    strips = []
    for offset, count in zip(strip_offsets, strip_counts):
        if offset + count > len(data):
            raise CodecError("the TIFF file is truncated")
        strips.append(data[offset:offset + count])
    if compression == COMPRESSION_NONE:
        raw = b"".join(strips)
    elif compression in (COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE):
        try:
            raw = b"".join(zlib.decompress(strip) for strip in strips)
        except zlib.error:
            raise CodecError("a TIFF strip is damaged") from None
    else:
        raw = _inflate_with_libtiff(strips, width * channels, height, min(rows_per_strip or height, height),
                                    compression)
    flat = np.frombuffer(raw, dtype="<u2" if data[:2] == b"II" else ">u2")
    if flat.size < width * height * channels:
        raise CodecError("the TIFF file is truncated")
    array = flat[:width * height * channels].reshape(height, width, channels).astype(np.uint16)
    if predictor == 2:
        # Undo the predictor: each row is a running sum along x per channel (mod 2^16).
        np.cumsum(array, axis=1, dtype=np.uint16, out=array)
    return array


def _strip_layout(tags) -> tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]] | None:
    """(channels, compression, predictor, rows per strip, strip offsets, strip byte counts) of a
    16-bit contiguous-strip TIFF; None for layouts left to Pillow. Damaged tags raise
    KeyError/TypeError/ValueError, which the caller reports."""
    channels = int(tags.get(277, 1))
    compression = int(tags.get(259, 1))
    predictor = int(tags.get(317, 1))
    if (set(tags.get(258, (1,))) != {16} or int(tags.get(284, 1)) != 1 or 273 not in tags or 322 in tags
            or compression in (6, 7) or predictor not in (1, 2) or set(tags.get(339, (1,))) != {1}):
        return None
    offsets, counts = tuple(int(v) for v in tags[273]), tuple(int(v) for v in tags[279])
    return channels, compression, predictor, int(tags.get(278, 0)), offsets, counts


def _inflate_with_libtiff(strips: list[bytes], samples_per_row: int, height: int, rows_per_strip: int,
                          compression: int) -> bytes:
    """The strips' decompressed bytes, via Pillow's libtiff on a stand-in one-channel TIFF.

    Pillow only decodes 16-bit colour TIFFs down to 8 bits, but it decodes one-channel
    16-bit ones fully. Decompression does not care how bytes are grouped into pixels, so
    the same compressed strips, declared as a grey image W x C samples wide (predictor
    off; it is undone by the caller), come back as exactly the original sample bytes.
    """
    f = io.BytesIO()
    f.write(b"II*\x00" + struct.pack("<I", 0))
    offsets = []
    for strip in strips:
        offsets.append(f.tell())
        f.write(strip)
    _write_ifd(f, [(256, TIFF_LONG, [samples_per_row]), (257, TIFF_LONG, [height]), (258, TIFF_SHORT, [16]),
                   (259, TIFF_SHORT, [compression]), (262, TIFF_SHORT, [1]), (273, TIFF_LONG, offsets),
                   (277, TIFF_SHORT, [1]), (278, TIFF_LONG, [rows_per_strip]),
                   (279, TIFF_LONG, [len(s) for s in strips]), (284, TIFF_SHORT, [1])])
    f.seek(0)
    try:
        with Image.open(f) as stand_in:
            stand_in.load()
            # Pillow reads the stand-in as little-endian; hand back the bytes exactly as stored.
            return np.asarray(stand_in).astype("<u2").tobytes()
    except (OSError, ValueError, SyntaxError) as exc:
        raise CodecError(f"a TIFF strip cannot be decoded ({str(exc).strip() or 'libtiff error'})") from None
