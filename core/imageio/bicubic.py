"""The degradation the field trains and benchmarks with: modcrop, then antialiased bicubic.

Pillow's BICUBIC filter (a = -0.5, kernel widened by the scale when shrinking) matches
MATLAB's `imresize`, which produced every published Set5/Set14 number; plain
`F.interpolate(mode="bicubic")` skips the antialiasing and costs ~0.8 dB. Resizing goes
through Pillow's 32-bit float mode one channel at a time, so values are not rounded to 8 bits
here; callers that want a real 8-bit LR image quantise explicitly (`quantize_8bit`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def modcrop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom/right edges so height and width are multiples of `scale`."""
    height, width = img.shape[:2]
    return img[: height - height % scale, : width - width % scale]


def bicubic_downscale(img: np.ndarray, scale: int) -> np.ndarray:
    """HxWxC float -> (H/scale)x(W/scale)xC float32, antialiased bicubic (MATLAB-like).

    The image should be modcropped first; otherwise the size is floored.
    """
    height, width = img.shape[:2]
    return resize_bicubic(img, (width // scale, height // scale))


def bicubic_upscale(img: np.ndarray, scale: int) -> np.ndarray:
    """HxWxC float -> (H*scale)x(W*scale)xC float32, bicubic (the 'bicubic' baseline)."""
    height, width = img.shape[:2]
    return resize_bicubic(img, (width * scale, height * scale))


def resize_bicubic(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an HxW or HxWxC float array to `size` = (width, height) with Pillow BICUBIC."""
    return _resize(img, size, Image.Resampling.BICUBIC)


def resize_lanczos(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize with Pillow's antialiased LANCZOS (a = 3): the sharpest clean downscale, for output sizes."""
    return _resize(img, size, Image.Resampling.LANCZOS)


def _resize(img: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> np.ndarray:
    if img.ndim == 2:
        return _resize_plane(img, size, resample)
    planes = [_resize_plane(img[:, :, c], size, resample) for c in range(img.shape[2])]
    return np.stack(planes, axis=2)


def quantize_8bit(img: np.ndarray) -> np.ndarray:
    """Round a [0, 1] float image to the 256 levels an 8-bit file would hold (still float32)."""
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.float32) / 255.0


def _resize_plane(plane: np.ndarray, size: tuple[int, int],
                  resample: Image.Resampling = Image.Resampling.BICUBIC) -> np.ndarray:
    # Mode "F" keeps full float precision and negative overshoot; Pillow antialiases when shrinking.
    resized = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32)).resize(size, resample)
    return np.asarray(resized, dtype=np.float32)


def make_pair(hr_rgb8: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(lr, hr) float32 in [0, 1] from an 8-bit HR image: HR modcropped, LR its bicubic downscale in 8 bits.

    The LR image is rounded to 8 bits because real LR inputs (and the benchmark protocol's) are files.
    """
    hr = modcrop(hr_rgb8, scale).astype(np.float32) / 255.0
    return quantize_8bit(np.clip(bicubic_downscale(hr, scale), 0, 1)), hr
