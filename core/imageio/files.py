"""Image files in and out: every pixel format to float arrays and back, metadata carried along.

`load_image` (from `core.imageio.read`, with the engine's other readers) turns RGB, RGBA,
L/LA, palette (with transparency), CMYK and 16-bit files into a `DecodedImage` (float32 colour
in [0, 1], alpha kept apart, EXIF orientation applied, ICC/EXIF/DPI remembered). `save_image`
writes PNG, JPEG, WebP or TIFF atomically (`core.common.atomic`), 16-bit when the source was.
Every failure is an `ImageReadError` or `ImageWriteError` whose message is one line naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.imageio.encode import write_image_file, writer_for
from core.imageio.image_types import DecodedImage, ImageMetadata, ImageReadError, ImageWriteError
from core.imageio.metadata import exif_for_output
from core.imageio.read import (
    DEFAULT_MAX_PIXELS,
    IMAGE_SUFFIXES,
    list_images,
    load_image,
    load_rgb8,
    load_thumbnail,
    probe_image,
    read_image_size,
)

__all__ = ["DEFAULT_MAX_PIXELS", "IMAGE_SUFFIXES", "OUTPUT_FORMATS", "DecodedImage", "ImageMetadata",
           "ImageReadError", "ImageWriteError", "check_output_size", "format_from_suffix", "keep_format",
           "list_images", "load_image", "load_rgb8", "load_thumbnail", "normalize_format", "probe_image",
           "read_image_size", "save_image", "suffix_for_format"]

OUTPUT_FORMATS = ("png", "jpeg", "webp", "tiff")
SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg",
                  ".webp": "webp", ".tif": "tiff", ".tiff": "tiff"}
FORMAT_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tif"}


def format_from_suffix(path: str | os.PathLike) -> str:
    """"png" | "jpeg" | "webp" | "tiff" for a file name; ImageWriteError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise ImageWriteError(f"{Path(path).name}: cannot tell the output format from "
                              f"{suffix or 'a name without extension'!r} (use .png, .jpg, .webp or .tif)")
    return SUFFIX_FORMATS[suffix]


def keep_format(source_format: str) -> str:
    """The output format that "keep the source's format" means; PNG for formats we do not write."""
    name = source_format.lower().replace("mpo", "jpeg")
    return name if name in OUTPUT_FORMATS else "png"


def suffix_for_format(fmt: str) -> str:
    return FORMAT_SUFFIXES[normalize_format(fmt)]


def normalize_format(fmt: str) -> str:
    name = fmt.lower().lstrip(".")
    name = {"jpg": "jpeg", "tif": "tiff"}.get(name, name)
    if name not in OUTPUT_FORMATS:
        raise ImageWriteError(f"unknown output format {fmt!r} (choose png, jpeg, webp or tiff)")
    return name


# --- writing ----------------------------------------------------------------------------

MAX_SIDE = {"jpeg": 65_535, "webp": 16_383, "png": 2**31 - 1, "tiff": 2**31 - 1}


def check_output_size(fmt: str, width: int, height: int, name: str = "output") -> None:
    """Fail before minutes of upscaling if the format cannot hold an image this large."""
    fmt = normalize_format(fmt)
    if max(width, height) > MAX_SIDE[fmt]:
        raise ImageWriteError(f"{name}: {fmt.upper()} cannot store {width}x{height} pixels (at most "
                              f"{MAX_SIDE[fmt]} on a side); choose PNG or TIFF")


def save_image(image: DecodedImage, path: str | os.PathLike, fmt: str | None = None, quality: int = 95,
               dpi_scale: float = 1.0) -> Path:
    """Write `image` atomically; 16-bit PNG/TIFF when `image.bit_depth == 16`. Returns the path.

    `fmt` None takes the format from the suffix. DPI is `metadata.dpi * dpi_scale` (the
    result of `core.inference.upscale` already carries its scaled DPI, so it is saved with 1.0).
    JPEG has no alpha: transparent pixels are flattened onto white.
    """
    path = Path(path)
    if path.is_dir():
        raise ImageWriteError(f"{path}: is a folder; give a file name for the output")
    fmt = normalize_format(fmt) if fmt else format_from_suffix(path)
    if not 1 <= int(quality) <= 100:
        raise ImageWriteError(f"quality must be between 1 and 100, got {quality}")
    check_output_size(fmt, image.width, image.height, path.name)
    dpi = image.metadata.dpi
    if dpi is not None:
        dpi = (dpi[0] * dpi_scale, dpi[1] * dpi_scale)
    exif = exif_for_output(image.metadata.exif, image.width, image.height, dpi)
    write_image_file(path, writer_for(image, fmt, int(quality), dpi, exif))
    return path


