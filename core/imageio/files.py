"""Image files in and out: every pixel format to float arrays and back, metadata carried along.

`load_image` turns RGB, RGBA, L/LA, palette (with transparency), CMYK and 16-bit files into a
`DecodedImage` (float32 colour in [0, 1], alpha kept apart, EXIF orientation applied, ICC/EXIF/
DPI remembered). `save_image` writes PNG, JPEG, WebP or TIFF atomically (temp file in the same
folder + os.replace), 16-bit when the source was. Every failure is an `ImageReadError` or
`ImageWriteError` whose message is one line naming the file.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import warnings
import zlib
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from core.common.errors import first_line
from core.imageio.decode import apply_orientation, raw_layout, to_arrays
from core.imageio.encode import write_image_file, writer_for
from core.imageio.image_types import DecodedImage, ImageMetadata, ImageReadError, ImageWriteError
from core.imageio.metadata import exif_for_output, read_exif, read_icc_profile

__all__ = ["DEFAULT_MAX_PIXELS", "IMAGE_SUFFIXES", "OUTPUT_FORMATS", "DecodedImage", "ImageMetadata",
           "ImageReadError", "ImageWriteError", "check_output_size", "format_from_suffix", "keep_format",
           "load_image", "normalize_format", "save_image", "suffix_for_format"]

DEFAULT_MAX_PIXELS = 100_000_000      # input pixels; a 4x output of this is already 1.6 gigapixels
OUTPUT_FORMATS = ("png", "jpeg", "webp", "tiff")
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".tif", ".tiff",
                                   ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pbm", ".pnm")
SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg",
                  ".webp": "webp", ".tif": "tiff", ".tiff": "tiff"}
FORMAT_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tif"}

_open_lock = threading.Lock()  # Image.MAX_IMAGE_PIXELS is global; change it for one open at a time


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


# --- reading ----------------------------------------------------------------------------

def load_image(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> DecodedImage:
    """Decode an image file completely; EXIF orientation applied. Raises ImageReadError."""
    path = Path(path)
    data = _read_bytes(path)
    with _open_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None                 # our own limit below, with our own words
        try:
            image = _open(path, data)
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    with image:
        _check_pixels(path, image.size, max_pixels)
        rawmode = raw_layout(image)
        _decode_fully(path, image)
        exif, orientation = read_exif(image)
        metadata = ImageMetadata(read_icc_profile(image), exif, _read_dpi(image), image.format or "")
        decoded = to_arrays(path, image, data, rawmode, metadata)
    return apply_orientation(decoded, orientation)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise ImageReadError(f"{path}: no such file")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a folder, not an image file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageReadError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise ImageReadError(f"{path.name}: the file is empty (0 bytes)")
    return data


def _open(path: Path, data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.seek(0)                                 # animations: the first frame
        return image
    except UnidentifiedImageError:
        raise ImageReadError(f"{path.name}: not an image file, or a format this app cannot read") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise ImageReadError(f"{path.name}: the image is damaged ({first_line(exc)})") from None


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int | None) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageReadError(f"{path.name}: the image has no pixels ({width}x{height})")
    if max_pixels is not None and width * height > max_pixels:
        raise ImageReadError(
            f"{path.name}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
            f"{max_pixels / 1e6:.0f}-megapixel safety limit (allow large images to open it anyway)")


def _decode_fully(path: Path, image: Image.Image) -> None:
    """Force the full decode now, so truncated and corrupt files fail here, not half-way."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone switched Pillow to padding truncated files with grey; we never want that.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, struct.error,
            Image.DecompressionBombError) as exc:
        message = first_line(exc)
        if "truncated" in message.lower() or isinstance(exc, EOFError):
            raise ImageReadError(f"{path.name}: the file is truncated (incomplete download or copy?)") from None
        raise ImageReadError(f"{path.name}: the image is damaged ({message})") from None
    except MemoryError:
        raise ImageReadError(f"{path.name}: not enough memory to open this image") from None


def _read_dpi(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return None
    return (x, y) if x > 0 and y > 0 else None



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


