"""Colour conversions of the field's protocol: the luma that PSNR, SSIM, NIQE and the detail map read."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 coefficients for RGB in [0, 1] -> Y in [16, 235] (MATLAB's rgb2ycbcr).
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64)


def rgb_to_y(arr: np.ndarray) -> np.ndarray:
    """HxWx3 float RGB in [0, 1] -> HxW float64 luma Y/255, i.e. in [16/255, 235/255]."""
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB array, got shape {arr.shape}")
    return (16.0 + arr.astype(np.float64) @ _Y_WEIGHTS) / 255.0
