"""PSNR and SSIM the way super-resolution papers report them.

Protocol (MATLAB scripts of SRCNN/SRGAN, BasicSR's `test_y_channel=True`): convert RGB to the
BT.601 luma Y in [16, 235] (studio range), shave `scale` pixels off every border, then
PSNR = 10 log10(255^2 / MSE) on Y in [0, 255] and SSIM with an 11x11 Gaussian window
(sigma 1.5), K1 = 0.01, K2 = 0.03, over the 'valid' region. Computed in float64, unrounded.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from core.imageio.color import rgb_to_y


def psnr_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """PSNR in dB between the Y channels of two HxWx3 [0, 1] images, `shave` border pixels ignored."""
    a, b = _shaved_y255(sr, hr, shave)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(255.0 ** 2 / mse)


def ssim_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """Mean SSIM between the Y channels (in [0, 255]) of two HxWx3 [0, 1] images."""
    a, b = _shaved_y255(sr, hr, shave)
    return ssim_plane(a, b, data_range=255.0)


def ssim_plane(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Wang et al. SSIM of two HxW planes: 11x11 Gaussian (sigma 1.5), valid region only."""
    if min(a.shape) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels after shaving, got {a.shape}")
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    x, y = a.astype(np.float64), b.astype(np.float64)
    mu_x, mu_y = _gaussian_blur(x), _gaussian_blur(y)
    var_x = _gaussian_blur(x * x) - mu_x ** 2
    var_y = _gaussian_blur(y * y) - mu_y ** 2
    cov = _gaussian_blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())


def _gaussian_blur(plane: np.ndarray) -> np.ndarray:
    """'valid' filtering with the separable 11-tap Gaussian (the 2-D window is its outer product)."""
    rows = sliding_window_view(plane, _GAUSS.size, axis=1) @ _GAUSS          # (H, W - 10)
    return sliding_window_view(rows, _GAUSS.size, axis=0) @ _GAUSS            # (H - 10, W - 10)


def _gaussian_taps(size: int, sigma: float) -> np.ndarray:
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(coords ** 2) / (2 * sigma ** 2))
    return g / g.sum()


_GAUSS = _gaussian_taps(11, 1.5)


def _shaved_y255(sr: np.ndarray, hr: np.ndarray, shave: int) -> tuple[np.ndarray, np.ndarray]:
    if sr.shape != hr.shape:
        raise ValueError(f"images differ in size: {sr.shape} vs {hr.shape}")
    a, b = rgb_to_y(sr) * 255.0, rgb_to_y(hr) * 255.0
    if shave > 0:
        a, b = a[shave:-shave, shave:-shave], b[shave:-shave, shave:-shave]
    if a.size == 0:
        raise ValueError(f"nothing left after shaving {shave} pixels from a {sr.shape[1]}x{sr.shape[0]} image")
    return a, b
