"""Writers behind `core.imageio.files.save_image`: arrays to Pillow or to our PNG/TIFF codecs, atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from core.common.atomic import FolderNotWritable, write_atomically
from core.common.errors import first_line
from core.imageio import png16, tiff_codec
from core.imageio.image_types import CodecError, DecodedImage, ImageWriteError

PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
Writer = Callable[[BinaryIO], None]
Dpi = tuple[float, float] | None


def _to_int(values: np.ndarray, bits: int) -> np.ndarray:
    top = 255 if bits == 8 else 65535
    scaled = np.clip(values, 0.0, 1.0) * top + 0.5
    return scaled.astype(np.uint8 if bits == 8 else np.uint16)


def _planes(image: DecodedImage, bits: int, flatten_alpha: bool = False) -> np.ndarray:
    """H x W x C integers: grey or RGB, plus alpha (C = 1..4)."""
    color, alpha = image.color, image.alpha
    if alpha is not None and flatten_alpha:
        color = color * alpha[..., None] + (1.0 - alpha[..., None])     # onto white
        alpha = None
    planes = [color.mean(axis=2, keepdims=True) if image.grayscale else color]
    if alpha is not None:
        planes.append(alpha[..., None])
    return _to_int(np.concatenate(planes, axis=2) if len(planes) > 1 else planes[0], bits)


def writer_for(image: DecodedImage, fmt: str, quality: int, dpi: Dpi, exif: bytes | None) -> Writer:
    """How to write `image` as `fmt`: 16-bit PNG and all TIFF by our codecs, the rest by Pillow."""
    if fmt == "tiff":
        return _tiff_writer(image, dpi, exif)
    if fmt == "png" and image.bit_depth == 16:
        array = _planes(image, 16)
        return lambda f: png16.write_png16(f, array, image.metadata.icc_profile, dpi, exif)
    return _pillow_writer(image, fmt, quality, dpi, exif)


def _tiff_writer(image: DecodedImage, dpi: Dpi, exif: bytes | None) -> Writer:
    """8- or 16-bit TIFF with ICC, DPI and the full EXIF (Pillow's libtiff path drops EXIF's sub-IFD)."""
    array = _planes(image, 16 if image.bit_depth == 16 else 8)
    if array.shape[2] == 2:
        # Grey+alpha TIFF is legal but many readers (Pillow among them, at 16 bits) refuse it.
        array = np.concatenate([np.repeat(array[..., :1], 3, axis=2), array[..., 1:]], axis=2)
    return lambda f: tiff_codec.write_tiff(f, array, image.metadata.icc_profile, dpi, exif)


def _pillow_writer(image: DecodedImage, fmt: str, quality: int, dpi: Dpi, exif: bytes | None) -> Writer:
    """8-bit PNG, JPEG or WebP through Pillow with ICC, EXIF and DPI where the format stores them."""
    array = _planes(image, 8, flatten_alpha=fmt == "jpeg")
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[array.shape[2]]
    pil = Image.fromarray(array[..., 0] if mode == "L" else array, mode)
    if fmt == "webp" and mode in ("L", "LA"):
        pil = pil.convert("RGBA" if mode == "LA" else "RGB")       # WebP has no grey modes
    options: dict = {}
    if image.metadata.icc_profile:
        options["icc_profile"] = image.metadata.icc_profile
    if exif:
        options["exif"] = exif
    if dpi and fmt != "webp":
        options["dpi"] = dpi
    if fmt == "jpeg":
        # Full-resolution chroma at high quality: 4:2:0 would blur the detail we just added.
        options.update(quality=quality, subsampling=0 if quality >= 90 else 2)
    elif fmt == "webp":
        options.update(quality=quality, lossless=quality == 100)
    return lambda f: pil.save(f, format=PILLOW_FORMATS[fmt], **options)


def write_image_file(path: Path, write: Writer) -> None:
    """Write the file atomically (`core.common.atomic`); every failure becomes a one-line ImageWriteError."""
    try:
        write_atomically(path, write)
    except FolderNotWritable as exc:
        raise ImageWriteError(f"{path.parent}: cannot write in this folder ({exc.strerror})") from None
    except OSError as exc:
        raise ImageWriteError(f"{path.name}: cannot write the file ({exc.strerror or first_line(exc)})") from None
    except (ValueError, CodecError) as exc:
        raise ImageWriteError(f"{path.name}: cannot write the file ({first_line(exc)})") from None
