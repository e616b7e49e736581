"""Lossy round trips through real encoders: what a photo looks like after a phone or the web saved it.

Used by the trainer's degradation pipeline and by `srgan eval --lr-jpeg`. The encoding is
Pillow's libjpeg, never a hand-written one, so the blocks and ringing are the real ones.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """An HxWx3 float image in [0, 1] encoded as a JPEG of `quality` (1-95) and decoded again.

    4:2:0 chroma subsampling, as cameras and browsers write by default.
    """
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be between 1 and 100, got {quality}")
    pixels = np.clip(np.round(np.asarray(rgb, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=int(quality), subsampling=2)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"), dtype=np.float32) / 255.0
