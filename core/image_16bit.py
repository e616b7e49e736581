"""16-bit-per-channel PNG and TIFF where Pillow has no pixel mode for them.

Pillow keeps 16 bits only for single-channel images ("I;16"); it reads 16-bit RGB(A)/LA
PNG and TIFF files as 8-bit and cannot write them at all. So:
  * 16-bit PNG is decoded and written by the small codec below (zlib + numpy; the encoder
    uses the "Up" filter and writes iCCP/pHYs/eXIf chunks); interlaced 16-bit PNGs return
    None and the caller falls back to Pillow's 8-bit decode;
  * 16-bit TIFF is written by the baseline TIFF encoder below (Deflate + horizontal
    predictor, ICC and resolution tags) and read back here from strips of any compression
    libtiff knows; other 16-bit TIFF layouts (tiles, planar, float) return None and the
    caller falls back to Pillow's 8-bit decode.
Arrays are H x W x C uint16 with C in 1..4 (grey, grey+alpha, RGB, RGBA).
"""

from __future__ import annotations

import io
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


def decode_png16(data: bytes) -> np.ndarray | None:
    """Decode a non-interlaced 16-bit PNG to H x W x C uint16; None for interlaced files.

    PNG rows are filtered against the pixel to the left, above and above-left, so a pixel
    depends only on earlier anti-diagonals: decoding one diagonal at a time vectorises the
    Paeth/Average filters with numpy (H + W steps instead of H * W).
    """
    width, height, bit_depth, color_type, interlace, idat = _png_layout(data)
    channels = {0: 1, 4: 2, 2: 3, 6: 4}.get(color_type)
    if bit_depth != 16 or channels is None:
        raise Image16Error("not a 16-bit grey or colour PNG")
    if interlace:
        return None
    bpp = 2 * channels
    try:
        raw = zlib.decompressobj().decompress(idat, height * (width * bpp + 1))
    except zlib.error:
        raise Image16Error("the PNG pixel data is damaged") from None
    if len(raw) < height * (width * bpp + 1):
        raise Image16Error("the PNG file is truncated")
    rows = np.frombuffer(raw, dtype=np.uint8, count=height * (width * bpp + 1)).reshape(height, -1)
    filters = rows[:, 0]
    if filters.max(initial=0) > 4:
        raise Image16Error("the PNG pixel data is damaged (unknown row filter)")
    pixels = _unfilter(rows[:, 1:].reshape(height, width, bpp), filters)
    return pixels.view(">u2").reshape(height, width, channels).astype(np.uint16)


def _png_layout(data: bytes) -> tuple[int, int, int, int, int, bytes]:
    """(width, height, bit depth, colour type, interlace, concatenated IDAT) from the chunks."""
    if not data.startswith(PNG_SIGNATURE):
        raise Image16Error("not a PNG file")
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
        raise Image16Error("the PNG header is missing")
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


# --- TIFF -------------------------------------------------------------------------------

TIFF_SHORT, TIFF_LONG, TIFF_RATIONAL, TIFF_UNDEFINED = 3, 4, 5, 7
ROWS_PER_STRIP = 32
COMPRESSION_NONE, COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE = 1, 8, 32946


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

    Handles contiguous strips with or without the horizontal predictor. Uncompressed and
    Deflate strips are inflated here; other compressions (LZW, PackBits...) go through
    libtiff by way of `_inflate_with_libtiff`. Tiled, planar or float files return None.
    """
    tags = image.tag_v2
    channels = int(tags.get(277, 1))
    compression = int(tags.get(259, 1))
    predictor = int(tags.get(317, 1))
    if (set(tags.get(258, (1,))) != {16} or int(tags.get(284, 1)) != 1 or 273 not in tags or 322 in tags
            or compression in (6, 7) or predictor not in (1, 2) or set(tags.get(339, (1,))) != {1}):
        return None
    width, height = image.size
    strips = []
    for offset, count in zip(tags[273], tags[279]):
        if offset + count > len(data):
            raise Image16Error("the TIFF file is truncated")
        strips.append(data[offset:offset + count])
    if compression == COMPRESSION_NONE:
        raw = b"".join(strips)
    elif compression in (COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE):
        try:
            raw = b"".join(zlib.decompress(strip) for strip in strips)
        except zlib.error:
            raise Image16Error("a TIFF strip is damaged") from None
    else:
        rows_per_strip = min(int(tags.get(278, height)), height)
        raw = _inflate_with_libtiff(strips, width * channels, height, rows_per_strip, compression)
    flat = np.frombuffer(raw, dtype="<u2" if data[:2] == b"II" else ">u2")
    if flat.size < width * height * channels:
        raise Image16Error("the TIFF file is truncated")
    array = flat[:width * height * channels].reshape(height, width, channels).astype(np.uint16)
    if predictor == 2:
        # Undo the predictor: each row is a running sum along x per channel (mod 2^16).
        np.cumsum(array, axis=1, dtype=np.uint16, out=array)
    return array


def _inflate_with_libtiff(strips: list[bytes], samples_per_row: int, height: int, rows_per_strip: int,
                          compression: int) -> bytes:
    """The strips' decompressed bytes, via Pillow's libtiff on a stand-in one-channel TIFF.

    Pillow only decodes 16-bit colour TIFFs down to 8 bits, but it decodes one-channel
    16-bit ones fully. Decompression does not care how bytes are grouped into pixels, so
    the same compressed strips, declared as a grey image W x C samples wide (predictor
    off; it is undone by the caller), come back as exactly the original sample bytes.
    """
    from PIL import Image

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
        raise Image16Error(f"a TIFF strip cannot be decoded ({str(exc).strip() or 'libtiff error'})") from None
