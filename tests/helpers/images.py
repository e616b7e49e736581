"""Small real image files of each pixel format, written independently of core.imageio.files."""

from __future__ import annotations

import os
import struct
import time
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


DATE_TAKEN = "2024:05:06 07:08:09"


def exif_with(orientation: int = 1, make: str = "TestCam") -> Image.Exif:
    """Camera EXIF: orientation and make in the main directory, date taken in the EXIF sub-directory."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = make
    exif.get_ifd(0x8769)[0x9003] = DATE_TAKEN
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


def write_tiff16_by_hand(path: Path, array: np.ndarray, lzw: bool = True, predictor: int = 2,
                         byte_order: str = "<", rows_per_strip: int = 8, drop: tuple[int, ...] = ()) -> Path:
    """A 16-bit RGB/RGBA TIFF as cameras' editors write them (LZW + predictor), built from the spec.

    `drop`: tags to leave out, for damaged files."""
    height, width, channels = array.shape
    e = byte_order
    samples = array.astype(f"{e}u2")
    if predictor == 2:
        samples = samples.copy()
        samples[:, 1:] -= array[:, :-1].astype(f"{e}u2")
    strips = [samples[top:top + rows_per_strip].tobytes() for top in range(0, height, rows_per_strip)]
    if lzw:
        strips = [lzw_encode(strip) for strip in strips]
    head = (b"II*\x00" if e == "<" else b"MM\x00*") + struct.pack(f"{e}I", 8)
    entries = [(256, 4, [width]), (257, 4, [height]), (258, 3, [16] * channels), (259, 3, [5 if lzw else 1]),
               (262, 3, [2]), (273, 4, []), (277, 3, [channels]), (278, 4, [rows_per_strip]),
               (279, 4, [len(s) for s in strips]), (284, 3, [1]), (317, 3, [predictor])]
    if channels == 4:
        entries.append((338, 3, [2]))
    entries = [entry for entry in entries if entry[0] not in drop]
    ifd_size = 2 + 12 * len(entries) + 4
    blob_at = 8 + ifd_size
    blobs, cells = b"", []
    strip_data = b"".join(strips)
    for tag, kind, values in entries:
        if tag == 273:
            values = []                                    # filled below, once the blobs' size is known
        cells.append((tag, kind, values))
    # Out-of-line values go after the directory, then the strips.
    sizes = {3: 2, 4: 4}
    blob_total = sum(len(v) * sizes[k] for t, k, v in cells if len(v) * sizes[k] > 4)
    blob_total += 4 * len(strips) if 4 * len(strips) > 4 else 0
    first_strip = blob_at + blob_total
    offsets, position = [], first_strip
    for strip in strips:
        offsets.append(position)
        position += len(strip)
    directory = struct.pack(f"{e}H", len(cells))
    for tag, kind, values in cells:
        values = offsets if tag == 273 else values
        packed = struct.pack(f"{e}{len(values)}{'H' if kind == 3 else 'I'}", *values)
        if len(packed) <= 4:
            directory += struct.pack(f"{e}HHI", tag, kind, len(values)) + packed.ljust(4, b"\x00")
        else:
            directory += struct.pack(f"{e}HHII", tag, kind, len(values), blob_at + len(blobs))
            blobs += packed
    directory += struct.pack(f"{e}I", 0)
    assert len(head + directory + blobs) == first_strip
    path.write_bytes(head + directory + blobs + strip_data)
    return path


def lzw_encode(data: bytes) -> bytes:
    """TIFF LZW (MSB-first codes, 9-12 bits, early change), plain Python, for small test files."""
    out, bits, nbits = bytearray(), 0, 0
    width = 9

    def emit(code):
        nonlocal bits, nbits
        bits = (bits << width) | code
        nbits += width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
        bits &= (1 << nbits) - 1

    def reset():
        return {bytes([i]): i for i in range(256)}, 258

    table, next_code = reset()
    emit(256)
    w = b""
    for byte in data:
        wc = w + bytes([byte])
        if wc in table:
            w = wc
            continue
        emit(table[w])
        table[wc] = next_code
        next_code += 1
        if next_code >= (1 << width) and width < 12:
            width += 1
        if next_code >= 4094:
            emit(256)
            table, next_code = reset()
            width = 9
        w = bytes([byte])
    if w:
        emit(table[w])
    next_code += 1
    if next_code >= (1 << width) and width < 12:
        width += 1
    emit(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def write_image(path: Path, size=(12, 10), mode="RGB", seed=0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4}[mode]
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8), mode).save(path)
    return path


def make_tree(root: Path) -> dict[str, Path]:
    """Good PNG/JPEG files in nested folders plus a corrupt, an empty, a truncated and a non-image file."""
    files = {
        "a": write_image(root / "a.png"),
        "b": write_image(root / "sub" / "b.jpg", seed=1),
        "c": write_image(root / "sub" / "deeper" / "c.png", size=(9, 7), seed=2),
    }
    (root / "notes.txt").write_text("not an image")
    (root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 3)
    (root / "sub" / "empty.png").write_bytes(b"")
    truncated = write_image(root / "sub" / "truncated.png", size=(40, 40), seed=3)
    truncated.write_bytes(truncated.read_bytes()[:200])
    files["truncated"] = truncated
    return files


def write_damaged_png(path: Path, size: tuple[int, int] = (40, 40)) -> Path:
    """A PNG whose header and IEND end are whole but whose pixel data is garbage: only a full decode fails."""
    data = bytearray(write_image(path, size=size, seed=5).read_bytes())
    start = data.index(b"IDAT") + 8
    data[start:len(data) - 20] = bytes(len(data) - 20 - start)
    path.write_bytes(bytes(data))
    return path


def no_partial_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.is_file() and (p.name.startswith(".") or p.suffix == ".part")]


def write_photo(path: Path, size: tuple[int, int] = (24, 16), **save_options) -> Path:
    """A small RGB image with some structure (a gradient plus noise).

    The noise (about 5 grey levels) stays under what `core.inference.recommend` calls noisy, so
    the main window does not pre-select the real-world model for it and tests keep their model.
    """
    rng = np.random.default_rng(0)
    width, height = size
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    pixels = (x * 0.6 + y * 0.3 + rng.integers(0, 18, (height, width, 3))).clip(0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, **save_options)
    return path


def bench_folder(name: str) -> Path | None:
    """A benchmark set (Set5, Set14) from the shared data beside the checkout, or None if absent."""
    checkout = Path(__file__).resolve().parents[2]
    for shared in (checkout.parent / "shared", Path("/work/shared")):
        folder = shared / "data" / "bench" / name
        if folder.is_dir():
            return folder
    return None


def aged_file(path: Path, seconds: float = 3600, content: bytes = b"half") -> Path:
    """A file last written `seconds` ago, e.g. the partial file a killed writer left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def write_frames(path: Path, count: int, size: tuple[int, int] = (12, 10)) -> Path:
    """An animated GIF (or a multi-page TIFF, by suffix) of `count` different frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [Image.fromarray(gradient_rgb(size[1], size[0], seed=i)) for i in range(count)]
    frames[0].save(path, save_all=True, append_images=frames[1:], **({"duration": 40} if path.suffix == ".gif" else {}))
    return path


def write_smooth_photo(path: Path, size: tuple[int, int] = (40, 32), **save_options) -> Path:
    """A clean colour gradient: nothing in its pixels asks for the real-world model, only how it is
    saved does (e.g. `quality=70` as a JPEG)."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([xx * 255 / width, yy * 255 / height, (xx + yy) * 127 / (width + height)], axis=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb.astype(np.uint8)).save(path, **save_options)
    return path
