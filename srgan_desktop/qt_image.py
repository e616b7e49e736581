"""Conversions between the core's float arrays and Qt images.

QImage (unlike QPixmap) may be built on a worker thread, so results are converted to 8-bit
there, once per result; the GUI thread only turns the QImage into a QPixmap.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Float [0, 1] -> uint8, rounded (one copy)."""
    out = np.clip(array, 0.0, 1.0)
    out *= 255.0
    out += 0.5
    return out.astype(np.uint8)


def array_to_qimage(color: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """HxWx3 float colour (+ HxW float alpha) -> an 8-bit QImage, ready for display."""
    rgb = to_uint8(color)
    if alpha is not None:
        rgb = np.dstack([rgb, to_uint8(alpha)])
    return for_display(uint8_to_qimage(rgb))


def for_display(image: QImage) -> QImage:
    """Convert (on the worker) to the format QPixmap uses natively, so that making the pixmap
    on the GUI thread is a cheap copy: 4000x3000 RGB888 -> pixmap costs ~80 ms, RGB32 ~0-10 ms."""
    fmt = (QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel()
           else QImage.Format.Format_RGB32)
    return image.convertToFormat(fmt)


def uint8_to_qimage(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width, channels = pixels.shape
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    image = QImage(pixels.data, width, height, pixels.strides[0], fmt)
    return image.copy()  # detach from the numpy buffer, which Python may free


def resized_bicubic(color: np.ndarray, alpha: np.ndarray | None, scale: int) -> QImage:
    """The original enlarged with Pillow's bicubic filter, as the viewer's comparison image."""
    pixels = to_uint8(color)
    if alpha is not None:
        pixels = np.dstack([pixels, to_uint8(alpha)])
    image = Image.fromarray(pixels)
    big = image.resize((image.width * scale, image.height * scale), Image.Resampling.BICUBIC)
    return for_display(uint8_to_qimage(np.asarray(big)))


def qimage_to_arrays(image: QImage) -> tuple[np.ndarray, np.ndarray | None]:
    """A pasted QImage -> (HxWx3 float colour, HxW float alpha or None)."""
    has_alpha = image.hasAlphaChannel()
    converted = image.convertToFormat(
        QImage.Format.Format_RGBA8888 if has_alpha else QImage.Format.Format_RGB888)
    width, height = converted.width(), converted.height()
    channels = 4 if has_alpha else 3
    raw = np.frombuffer(converted.constBits(), dtype=np.uint8)
    rows = raw.reshape(height, converted.bytesPerLine())[:, :width * channels]
    pixels = rows.reshape(height, width, channels).astype(np.float32) / 255.0
    if has_alpha:
        return np.ascontiguousarray(pixels[..., :3]), np.ascontiguousarray(pixels[..., 3])
    return pixels, None
