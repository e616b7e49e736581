"""Small real image files of each pixel format, written independently of core.image_io."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def gradient_rgb(height: int = 24, width: int = 32, seed: int = 0) -> np.ndarray:
    """Smooth colour plus a little noise: H x W x 3 uint8, every row and column different."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(1, width - 1), y * 255 / max(1, height - 1),
                     (x + y) * 127 / max(1, width + height - 2)], axis=2)
    return np.clip(base + rng.integers(-8, 9, base.shape), 0, 255).astype(np.uint8)


def write_pillow(path: Path, array: np.ndarray, mode: str, **save_options) -> Path:
    Image.fromarray(array, mode).save(path, **save_options)
    return path


def write_png16_by_hand(path: Path, array: np.ndarray, filters: tuple[int, ...] = (0,)) -> Path:
    """A 16-bit PNG (grey, grey+alpha, RGB or RGBA) built from the spec in plain Python.

    Row y uses PNG filter `filters[y % len(filters)]` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth).
    """
    height, width, channels = array.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = [row.tobytes() for row in array.astype(">u2").reshape(height, -1)]
    raw = b"".join(bytes([filters[y % len(filters)]]) + _filter_row(rows[y], rows[y - 1] if y else None,
                                                                     filters[y % len(filters)], 2 * channels)
                   for y in range(height))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    path.write_bytes(data)
    return path


def write_png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid PNG header claiming a huge size with almost no data: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    path.write_bytes(data)
    return path


def exif_with(orientation: int = 1, make: str = "TestCam") -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = make
    return exif


def _filter_row(row: bytes, above: bytes | None, kind: int, bpp: int) -> bytes:
    above = above or bytes(len(row))
    out = bytearray()
    for i, value in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = above[i]
        c = above[i - bpp] if i >= bpp else 0
        if kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        else:
            predictor = (0, a, b, (a + b) // 2)[kind] if kind < 4 else 0
        out.append((value - predictor) % 256)
    return bytes(out)
