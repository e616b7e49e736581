"""How worn an input image is: the quality a JPEG was saved at, and how noisy its pixels are.

The app uses these to recommend the real-world model for compressed or noisy photos. Both are
estimates from the file itself, cheap enough to run on every dropped image:
  * JPEG quality from the quantisation tables Pillow exposes, against libjpeg's standard
    luminance table (the scaling every common encoder applies to it);
  * noise from Immerkaer's fast estimator (1996): the mean absolute response of a Laplacian
    difference kernel that cancels smooth image structure, on 8-bit luma.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

# libjpeg's standard luminance quantisation table (ITU T.81 Annex K), at quality 50.
_STANDARD_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64)
# White noise: the mean over all blocks is 1.14x the flattest tenth's (measured on sigma 5-20), so
# the flattest tenth, scaled back, estimates the noise without counting texture as noise.
_FLAT_TENTH_BIAS = 1.14
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)


def jpeg_quality(path: str | Path) -> int | None:
    """The quality (1-100) a JPEG file was most likely saved at; None for other files or odd tables."""
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                return None
            tables = getattr(image, "quantization", None) or {}
    except (OSError, ValueError):
        return None
    luma = tables.get(0)
    if luma is None or len(luma) != 64:
        return None
    # Encoders scale the standard table by S% (clamped to 1..255); the sum is order-free.
    scaling = 100.0 * float(np.sum(luma)) / float(_STANDARD_LUMA.sum())
    quality = (200.0 - scaling) / 2.0 if scaling <= 100.0 else 5000.0 / scaling
    return int(min(100, max(1, round(quality))))


def noise_sigma(rgb: np.ndarray, block: int = 8) -> float:
    """Estimated standard deviation of white noise, in 8-bit levels, of an HxWx3 float image in [0, 1].

    Immerkaer's estimate is taken per colour channel in 8x8 blocks, and the flattest tenth of the
    blocks decides: texture (fur, foliage) raises the estimate only where it is, noise everywhere.
    """
    pixels = np.asarray(rgb, dtype=np.float64)[..., :3] * 255.0
    height, width = pixels.shape[:2]
    if height < block + 2 or width < block + 2:
        return 0.0
    response = np.zeros((height - 2, width - 2, pixels.shape[2]))
    for dy in range(3):
        for dx in range(3):
            response += _NOISE_KERNEL[dy, dx] * pixels[dy:dy + height - 2, dx:dx + width - 2]
    rows, cols = (height - 2) // block, (width - 2) // block
    blocks = np.abs(response[:rows * block, :cols * block]).reshape(rows, block, cols, block, -1)
    per_block = blocks.mean(axis=(1, 3, 4))
    return float(_FLAT_TENTH_BIAS * math.sqrt(math.pi / 2.0) * np.percentile(per_block, 10) / 6.0)
