"""Image files in and out: every pixel format to float arrays and back, metadata carried along.

`load_image` turns RGB, RGBA, L/LA, palette (with transparency), CMYK and 16-bit files into a
`DecodedImage` (float32 colour in [0, 1], alpha kept apart, EXIF orientation applied, ICC/EXIF/
DPI remembered). `save_image` writes PNG, JPEG, WebP or TIFF atomically (temp file in the same
folder + os.replace), 16-bit when the source was. Every failure is an `ImageReadError` or
`ImageWriteError` whose message is one line naming the file.
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from core import image_16bit
from core.image_metadata import exif_for_output, exif_main_tags_only, read_exif, read_icc_profile

DEFAULT_MAX_PIXELS = 100_000_000      # input pixels; a 4x output of this is already 1.6 gigapixels
OUTPUT_FORMATS = ("png", "jpeg", "webp", "tiff")
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".tif", ".tiff",
                                   ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pbm", ".pnm")
SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg",
                  ".webp": "webp", ".tif": "tiff", ".tiff": "tiff"}
FORMAT_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tif"}
PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "tiff": "TIFF"}
GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}

_open_lock = threading.Lock()  # Image.MAX_IMAGE_PIXELS is global; change it for one open at a time


class ImageReadError(Exception):
    """An input image that cannot be used; the message is one line meant for the user."""


class ImageWriteError(Exception):
    """An output image that cannot be written; the message is one line meant for the user."""


@dataclass(frozen=True)
class ImageMetadata:
    icc_profile: bytes | None = None
    exif: bytes | None = None                 # orientation already applied and reset to 1
    dpi: tuple[float, float] | None = None
    source_format: str = ""                   # Pillow's name: "PNG", "JPEG", ...


@dataclass
class DecodedImage:
    color: np.ndarray                         # H x W x 3 float32 in [0, 1]
    alpha: np.ndarray | None                  # H x W float32 in [0, 1]
    grayscale: bool                           # source was L/LA: written back as L/LA
    bit_depth: int                            # 8 or 16
    metadata: ImageMetadata

    @property
    def width(self) -> int:
        return int(self.color.shape[1])

    @property
    def height(self) -> int:
        return int(self.color.shape[0])


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
        rawmode = _rawmode(image)
        _decode_fully(path, image)
        exif, orientation = read_exif(image)
        metadata = ImageMetadata(read_icc_profile(image), exif, _read_dpi(image), image.format or "")
        decoded = _to_arrays(path, image, data, rawmode, metadata)
    return _apply_orientation(decoded, orientation)


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
    import io

    try:
        image = Image.open(io.BytesIO(data))
        image.seek(0)                                 # animations: the first frame
        return image
    except UnidentifiedImageError:
        raise ImageReadError(f"{path.name}: not an image file, or a format this app cannot read") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct_error()) as exc:
        raise ImageReadError(f"{path.name}: the image is damaged ({_first_line(exc)})") from None


def struct_error() -> type[Exception]:
    import struct

    return struct.error


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
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, struct_error(),
            Image.DecompressionBombError) as exc:
        message = _first_line(exc)
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


def _to_arrays(path: Path, image: Image.Image, data: bytes, rawmode: str,
               metadata: ImageMetadata) -> DecodedImage:
    """Pixels as float arrays; picks the decoder that keeps all the bits."""
    wide = _decode_wide(path, image, data, rawmode)
    if wide is not None:
        channels = wide.shape[2]
        values = wide.astype(np.float32) / 65535.0
        return _split_channels(values, gray=channels <= 2, bit_depth=16, metadata=metadata)
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.float32) / 65535.0
        return _split_channels(np.clip(values, 0, 1)[..., None], gray=True, bit_depth=16, metadata=metadata)
    if mode == "F":
        values = np.clip(np.asarray(image, dtype=np.float32), 0, 1)[..., None]
        return _split_channels(values, gray=True, bit_depth=16, metadata=metadata)
    converted, gray, metadata = _to_8bit_mode(image, metadata)
    values = np.asarray(converted, dtype=np.float32) / 255.0
    if values.ndim == 2:
        values = values[..., None]
    return _split_channels(values, gray=gray, bit_depth=8, metadata=metadata)


def _decode_wide(path: Path, image: Image.Image, data: bytes, rawmode: str) -> np.ndarray | None:
    """16-bit multi-channel PNG/TIFF as uint16 H x W x C, which Pillow would cut to 8 bits."""
    if image.format == "PNG" and ";16" in rawmode and image.mode in ("RGB", "RGBA", "LA"):
        decoder = lambda: image_16bit.decode_png16(data)  # noqa: E731
    elif image.format == "TIFF" and image.mode in ("RGB", "RGBA") and set(image.tag_v2.get(258, ())) == {16}:
        decoder = lambda: image_16bit.read_tiff16(image, data)  # noqa: E731
    else:
        return None
    try:
        return decoder()
    except image_16bit.Image16Error as exc:
        raise ImageReadError(f"{path.name}: the image is damaged ({exc})") from None


def _rawmode(image: Image.Image) -> str:
    """The raw pixel layout Pillow found in the file, e.g. "RGB;16B" (gone once loaded)."""
    if not image.tile:
        return ""
    args = image.tile[0].args
    return str(args[0] if isinstance(args, tuple) and args else args)


def _to_8bit_mode(image: Image.Image, metadata: ImageMetadata) -> tuple[Image.Image, bool, ImageMetadata]:
    """Convert any 8-bit Pillow mode to L, LA, RGB or RGBA; CMYK through its ICC profile."""
    mode = image.mode
    if mode in ("L", "LA"):
        return image, True, metadata
    if mode in ("1",):
        return image.convert("L"), True, metadata
    if mode == "La":
        return image.convert("LA"), True, metadata
    if mode in ("RGB", "RGBA"):
        return image, False, metadata
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info or image.palette.mode == "RGBA"
        return image.convert("RGBA" if has_alpha else "RGB"), False, metadata
    if mode == "CMYK":
        return _cmyk_to_rgb(image, metadata)
    if mode in ("RGBa",):
        return image.convert("RGBA"), False, metadata
    return image.convert("RGB"), False, metadata       # RGBX, YCbCr, HSV, LAB...


def _cmyk_to_rgb(image: Image.Image, metadata: ImageMetadata) -> tuple[Image.Image, bool, ImageMetadata]:
    """Use the file's CMYK profile when it has one (the colours the author saw), else the naive formula.

    The result is sRGB, so the CMYK profile must not travel to the RGB output.
    """
    if metadata.icc_profile:
        try:
            import io

            source = ImageCms.ImageCmsProfile(io.BytesIO(metadata.icc_profile))
            rgb = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            srgb_bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
            return rgb, False, _replace_icc(metadata, srgb_bytes)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert("RGB"), False, _replace_icc(metadata, None)


def _replace_icc(metadata: ImageMetadata, icc: bytes | None) -> ImageMetadata:
    return ImageMetadata(icc, metadata.exif, metadata.dpi, metadata.source_format)


def _split_channels(values: np.ndarray, gray: bool, bit_depth: int, metadata: ImageMetadata) -> DecodedImage:
    """H x W x C (C = 1..4) float -> colour H x W x 3 plus optional alpha."""
    channels = values.shape[2]
    has_alpha = channels in (2, 4)
    color = values[..., :channels - 1] if has_alpha else values
    if color.shape[2] == 1:
        color = np.repeat(color, 3, axis=2)
    alpha = np.ascontiguousarray(values[..., -1]) if has_alpha else None
    return DecodedImage(np.ascontiguousarray(color, dtype=np.float32), alpha, gray, bit_depth, metadata)


def _apply_orientation(image: DecodedImage, orientation: int) -> DecodedImage:
    """Rotate/flip the pixels the way EXIF orientation 2..8 says (same as ImageOps.exif_transpose)."""
    if orientation not in range(2, 9):
        return image

    def turn(a: np.ndarray) -> np.ndarray:
        ops = {2: lambda x: x[:, ::-1], 3: lambda x: x[::-1, ::-1], 4: lambda x: x[::-1],
               5: lambda x: x.swapaxes(0, 1), 6: lambda x: np.rot90(x, -1),
               7: lambda x: x[::-1, ::-1].swapaxes(0, 1), 8: lambda x: np.rot90(x, 1)}
        return np.ascontiguousarray(ops[orientation](a))

    dpi = image.metadata.dpi
    if dpi and orientation >= 5:                       # a quarter turn swaps the axes
        image.metadata = ImageMetadata(image.metadata.icc_profile, image.metadata.exif,
                                       (dpi[1], dpi[0]), image.metadata.source_format)
    image.color = turn(image.color)
    image.alpha = turn(image.alpha) if image.alpha is not None else None
    return image


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


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
    result of `core.upscale` already carries its scaled DPI, so it is saved with 1.0).
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
    if image.bit_depth == 16 and fmt in ("png", "tiff"):
        writer = _wide_writer(image, fmt, dpi, exif)
    else:
        writer = _pillow_writer(image, fmt, int(quality), dpi, exif)
    _write_atomically(path, writer)
    return path


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


def _wide_writer(image: DecodedImage, fmt: str, dpi, exif):
    array = _planes(image, 16)
    if fmt == "png":
        return lambda f: image_16bit.write_png16(f, array, image.metadata.icc_profile, dpi, exif)
    if array.shape[2] == 2:
        # Grey+alpha 16-bit TIFF is legal but many readers (Pillow among them) refuse it.
        array = np.concatenate([np.repeat(array[..., :1], 3, axis=2), array[..., 1:]], axis=2)
    return lambda f: image_16bit.write_tiff16(f, array, image.metadata.icc_profile, dpi)


def _pillow_writer(image: DecodedImage, fmt: str, quality: int, dpi, exif):
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
    elif fmt == "tiff":
        options["compression"] = "tiff_adobe_deflate"
        main_tags = exif_main_tags_only(exif)
        options.pop("exif", None)
        if main_tags:
            options["exif"] = main_tags
    return lambda f: pil.save(f, format=PILLOW_FORMATS[fmt], **options)


def _write_atomically(path: Path, write) -> None:
    """Write through `write(file)` into a temp file beside `path`, then rename it into place."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ImageWriteError(f"{folder}: cannot write in this folder ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)                 # mkstemp makes 0600; outputs are normal files
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImageWriteError(f"{path.name}: cannot write the file ({exc.strerror or _first_line(exc)})") from None
        if isinstance(exc, (ValueError, image_16bit.Image16Error)):
            raise ImageWriteError(f"{path.name}: cannot write the file ({_first_line(exc)})") from None
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
