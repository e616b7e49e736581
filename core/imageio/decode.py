"""Pixels of an opened Pillow image as float arrays, keeping every bit the file holds.

8-bit modes go through Pillow (CMYK through its ICC profile when it has one); 16-bit
grey stays in Pillow's "I;16"; 16-bit colour PNG/TIFF, which Pillow would cut to 8 bits,
goes through `core.imageio.png16` / `core.imageio.tiff_codec`. EXIF orientation is applied to the arrays afterwards.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageFile, TiffImagePlugin

from core.imageio import png16, tiff_codec
from core.imageio.image_types import CodecError, DecodedImage, ImageMetadata, ImageReadError

_DEEP_GREY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")      # 16- and 32-bit integer grey


def to_arrays(path: Path, image: Image.Image, data: bytes, rawmode: str,
              metadata: ImageMetadata) -> DecodedImage:
    """Pixels as float arrays; picks the decoder that keeps all the bits."""
    wide = _decode_wide(path, image, data, rawmode)
    if wide is not None:
        channels = wide.shape[2]
        values = wide.astype(np.float32) / 65535.0
        return _split_channels(values, gray=channels <= 2, bit_depth=16, metadata=metadata)
    mode = image.mode
    if mode in _DEEP_GREY_MODES:
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


def to_rgb8(image: Image.Image, metadata: ImageMetadata) -> np.ndarray:
    """H x W x 3 uint8 RGB of a loaded image, alpha dropped, without a float round trip.

    Deep grey is scaled to 8 bits (Pillow's convert would clip it); 16-bit colour comes as
    Pillow reads it, its high byte.
    """
    if image.mode in _DEEP_GREY_MODES or image.mode == "F":
        grey = np.asarray(image, dtype=np.float32) / (1.0 if image.mode == "F" else 65535.0)
        levels = np.round(np.clip(grey, 0.0, 1.0) * 255.0).astype(np.uint8)
        return np.repeat(levels[..., None], 3, axis=2)
    converted, _, _ = _to_8bit_mode(image, metadata)
    return np.asarray(converted if converted.mode == "RGB" else converted.convert("RGB"), dtype=np.uint8)


def _decode_wide(path: Path, image: Image.Image, data: bytes, rawmode: str) -> np.ndarray | None:
    """16-bit multi-channel PNG/TIFF as uint16 H x W x C, which Pillow would cut to 8 bits."""
    try:
        if image.format == "PNG" and ";16" in rawmode and image.mode in ("RGB", "RGBA", "LA"):
            return png16.decode_png16(data)
        if (isinstance(image, TiffImagePlugin.TiffImageFile) and image.mode in ("RGB", "RGBA")
                and set(image.tag_v2.get(258, ())) == {16}):
            return tiff_codec.read_tiff16(image, data)
    except CodecError as exc:
        raise ImageReadError(f"{path.name}: the image is damaged ({exc})") from None
    return None


def raw_layout(image: ImageFile.ImageFile) -> str:
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
        has_alpha = (mode == "PA" or "transparency" in image.info
                     or (image.palette is not None and image.palette.mode == "RGBA"))
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
            source = ImageCms.ImageCmsProfile(io.BytesIO(metadata.icc_profile))
            rgb = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if rgb is not None:                        # None only when converting in place
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


_ORIENTATIONS = {2: lambda x: x[:, ::-1], 3: lambda x: x[::-1, ::-1], 4: lambda x: x[::-1],
                 5: lambda x: x.swapaxes(0, 1), 6: lambda x: np.rot90(x, -1),
                 7: lambda x: x[::-1, ::-1].swapaxes(0, 1), 8: lambda x: np.rot90(x, 1)}


def orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """An H x W (x C) array rotated/flipped the way EXIF orientation 2..8 says (as ImageOps.exif_transpose)."""
    if orientation not in _ORIENTATIONS:
        return pixels
    return np.ascontiguousarray(_ORIENTATIONS[orientation](pixels))


def apply_orientation(image: DecodedImage, orientation: int) -> DecodedImage:
    """`orient` colour and alpha; a quarter turn swaps the DPI's axes too."""
    if orientation not in _ORIENTATIONS:
        return image
    dpi = image.metadata.dpi
    if dpi and orientation >= 5:
        image.metadata = ImageMetadata(image.metadata.icc_profile, image.metadata.exif,
                                       (dpi[1], dpi[0]), image.metadata.source_format)
    image.color = orient(image.color, orientation)
    image.alpha = orient(image.alpha, orientation) if image.alpha is not None else None
    return image
