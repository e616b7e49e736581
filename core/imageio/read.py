"""Reading image files: every decode in the engine goes through here (re-exported by `core.imageio.files`).

`load_image` decodes completely to a `DecodedImage` (float colour, separate alpha, 16 bits
kept, metadata remembered) for upscaling. `load_rgb8` gives the 8-bit RGB pixels that training
and benchmarks use, straight from Pillow. `probe_image` checks that a whole file decodes and
returns its displayed size (scanning a photo folder), `read_image_size` reads the header only
(planning a batch), `load_thumbnail` makes a small preview. All of them apply EXIF orientation,
hold decompression bombs to our own pixel limit, and fail with an `ImageReadError` whose
message is one line naming the file.
"""

from __future__ import annotations

import errno
import io
import os
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from core.common.errors import first_line
from core.imageio.decode import apply_orientation, orient, raw_layout, to_arrays, to_rgb8
from core.imageio.image_types import DecodedImage, ImageMetadata, ImageReadError
from core.imageio.metadata import exif_orientation, read_exif, read_icc_profile

DEFAULT_MAX_PIXELS = 100_000_000      # input pixels; a 4x output of this is already 1.6 gigapixels
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".tif", ".tiff",
                                   ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pbm", ".pnm")

MULTI_FRAME_FORMATS = ("GIF", "TIFF", "PNG", "WEBP")     # Pillow's names; only the first frame is read

_open_lock = threading.Lock()  # Image.MAX_IMAGE_PIXELS is global; change it for one open at a time


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files under `folder` (recursive, by suffix), sorted, hidden files and folders left out."""
    folder = Path(folder)
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_image(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> DecodedImage:
    """Decode an image file completely; EXIF orientation applied. Raises ImageReadError."""
    path = Path(path)
    with _refusing_damage(path), _decoded(path, max_pixels) as (image, data, rawmode):
        exif, orientation = read_exif(image)
        metadata = ImageMetadata(read_icc_profile(image), exif, _read_dpi(image), image.format or "")
        decoded = to_arrays(path, image, data, rawmode, metadata)
        decoded.frames = _frame_count(image)
    return apply_orientation(decoded, orientation)


def load_rgb8(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """H x W x 3 uint8 RGB, EXIF orientation applied, alpha dropped. Raises ImageReadError.

    The pixels training and benchmarks work on; about twice as fast as `load_image` for 8-bit
    files (no float round trip). 16-bit colour comes as its high byte.
    """
    path = Path(path)
    with _refusing_damage(path), _decoded(path, max_pixels) as (image, _, _):
        rgb = to_rgb8(image, ImageMetadata(read_icc_profile(image)))
        orientation = exif_orientation(image)
    return orient(rgb, orientation)


def probe_image(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS,
                data: bytes | None = None) -> tuple[int, int]:
    """(width, height) as displayed, after checking the whole file decodes. Raises ImageReadError.

    `data`: the file's bytes when the caller has read them already.
    """
    path = Path(path)
    if data is None:
        data = _read_bytes(path)
    elif not data:
        raise _empty(path)
    with _refusing_damage(path), _open(path, io.BytesIO(data), max_pixels) as image:
        width, height = image.size
        # JPEG can decode at 1/8 scale (DCT scaling): the whole stream is still read, so
        # truncation is caught at a fraction of the cost. Other formats decode in full.
        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        _decode_fully(path, image)
        orientation = exif_orientation(image)
    return (height, width) if orientation >= 5 else (width, height)


def read_image_size(path: str | os.PathLike, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """(width, height) from the header alone, as stored (no rotation). Raises ImageReadError."""
    path = Path(path)
    _check_file(path)
    with _refusing_damage(path), _open(path, path, max_pixels) as image:
        return image.size


def load_thumbnail(path: str | os.PathLike, edge: int, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A small H x W x 3 uint8 RGB preview, at most `edge` on a side, EXIF orientation applied."""
    path = Path(path)
    _check_file(path)
    with _refusing_damage(path), _open(path, path, max_pixels) as image:
        image.draft("RGB", (edge * 2, edge * 2))      # JPEG: decode at 1/2..1/8 scale, much faster
        _decode_fully(path, image)
        preview = Image.fromarray(to_rgb8(image, ImageMetadata(read_icc_profile(image))))
        orientation = exif_orientation(image)
    preview.thumbnail((edge, edge), Image.Resampling.BICUBIC)
    return orient(np.asarray(preview, dtype=np.uint8), orientation)


@contextmanager
def _refusing_damage(path: Path) -> Iterator[None]:
    """Whatever a decoder raises on a damaged file becomes one ImageReadError naming the file.

    Pillow's plugins parse untrusted bytes, and on damage some raise TypeError, IndexError or
    KeyError rather than OSError (tests/core/fuzz finds them); our own errors pass through.
    """
    try:
        yield
    except ImageReadError:
        raise
    except MemoryError:
        raise ImageReadError(f"{path.name}: not enough memory to open this image") from None
    except Exception as exc:  # noqa: BLE001 - see above: any exception here means a damaged file
        raise _damaged(path, exc) from None


@contextmanager
def _decoded(path: Path, max_pixels: int | None) -> Iterator[tuple[ImageFile.ImageFile, bytes, str]]:
    """The fully decoded Pillow image, the file's bytes, and its raw pixel layout (gone once loaded)."""
    data = _read_bytes(path)
    with _open(path, io.BytesIO(data), max_pixels) as image:
        rawmode = raw_layout(image)
        _decode_fully(path, image)
        yield image, data, rawmode


def _frame_count(image: Image.Image) -> int:
    """Frames of an animated GIF/PNG/WebP or pages of a TIFF (1 for other files); call once decoded.

    A JPEG's extra MPO pictures (previews, depth maps) are not frames anyone would miss. Counting
    walks the frame headers of the rest of the file: a damage there spoils no pixel we read.
    """
    if image.format not in MULTI_FRAME_FORMATS:
        return 1
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # noqa: BLE001 - a damaged later frame still leaves a good first one
        return 1


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImageReadError(f"{path}: {_why_missing(path)}")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a folder, not an image file")
    try:
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if empty:
        raise _empty(path)


def _why_missing(path: Path) -> str:
    """Why a path that `exists()` denies is not there: a looping or dangling link, or nothing at all."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself"
    return "a symbolic link to a file that does not exist" if path.is_symlink() else "no such file"


def _read_bytes(path: Path) -> bytes:
    _check_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _empty(path: Path) -> ImageReadError:
    return ImageReadError(f"{path.name}: the file is empty (0 bytes)")


def _unreadable(path: Path, exc: OSError) -> ImageReadError:
    return ImageReadError(f"{path.name}: cannot read the file ({exc.strerror or first_line(exc)})")


def _open(path: Path, source: BinaryIO | Path, max_pixels: int | None) -> ImageFile.ImageFile:
    """Open (the header only) and hold the image to `max_pixels`, in our words rather than Pillow's."""
    with _open_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None                 # our own limit below
        try:
            image = Image.open(source)
            image.seek(0)                             # animations: the first frame
        except UnidentifiedImageError:
            raise ImageReadError(f"{path.name}: not an image file, or a format this app cannot read") from None
        except OSError as exc:
            if exc.errno is not None:                 # the file system said no
                raise _unreadable(path, exc) from None
            raise _damaged(path, exc) from None
        except (SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise _damaged(path, exc) from None
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    try:
        _check_pixels(path, image.size, max_pixels)
    except ImageReadError:
        image.close()
        raise
    return image


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
        raise _damaged(path, exc) from None
    except MemoryError:
        raise ImageReadError(f"{path.name}: not enough memory to open this image") from None


def _damaged(path: Path, exc: BaseException) -> ImageReadError:
    message = first_line(exc)
    if "truncated" in message.lower() or isinstance(exc, EOFError):
        return ImageReadError(f"{path.name}: the file is truncated (incomplete download or copy?)")
    return ImageReadError(f"{path.name}: the image is damaged ({message})")


def _read_dpi(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return None
    return (x, y) if x > 0 and y > 0 else None
