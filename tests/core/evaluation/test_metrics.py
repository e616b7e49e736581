"""The field's evaluation protocol: Y channel (BT.601), shaved border, Gaussian SSIM."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation.metrics import psnr_y, rgb_to_y, ssim_y
from core.imageio.bicubic import bicubic_downscale, bicubic_upscale, modcrop


def test_y_channel_uses_studio_range() -> None:
    black, white = np.zeros((1, 1, 3)), np.ones((1, 1, 3))
    assert rgb_to_y(black)[0, 0] * 255 == pytest.approx(16.0)
    assert rgb_to_y(white)[0, 0] * 255 == pytest.approx(235.0)


def test_psnr_matches_a_hand_computed_value() -> None:
    hr = np.full((20, 20, 3), 0.5)
    sr = hr.copy()
    # A constant offset of d in RGB moves Y by d * (65.481 + 128.553 + 24.966) = d * 219 (in 0-255 units).
    sr[4:-4, 4:-4] += 10 / 219
    assert psnr_y(sr, hr, shave=4) == pytest.approx(20 * math.log10(255 / 10), abs=1e-9)
    assert psnr_y(sr, hr, shave=0) > psnr_y(sr, hr, shave=4)      # the border was untouched
    assert psnr_y(hr, hr, shave=4) == math.inf


def test_ssim_is_one_for_identical_and_lower_for_noisy_images() -> None:
    rng = np.random.default_rng(0)
    hr = rng.uniform(0, 1, (40, 40, 3))
    assert ssim_y(hr, hr, shave=4) == pytest.approx(1.0)
    noisy = np.clip(hr + rng.normal(0, 0.1, hr.shape), 0, 1)
    assert 0 < ssim_y(noisy, hr, shave=4) < 0.95


def test_ssim_matches_the_closed_form_for_constant_images() -> None:
    # Constant planes: variances are 0, so SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1).
    a, b = np.full((30, 30, 3), 0.2), np.full((30, 30, 3), 0.6)
    ya, yb = 16 + 0.2 * 219, 16 + 0.6 * 219
    c1 = (0.01 * 255) ** 2
    assert ssim_y(a, b, shave=2) == pytest.approx((2 * ya * yb + c1) / (ya ** 2 + yb ** 2 + c1))


def test_size_mismatch_and_over_shaving_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        psnr_y(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)), 0)
    with pytest.raises(ValueError, match="nothing left"):
        psnr_y(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), 4)


def test_bicubic_degradation_is_antialiased_like_matlab() -> None:
    # A pixel-level checkerboard has no representable content at 1/4 scale: an antialiased
    # downscale averages it to flat grey, a plain (aliasing) bicubic one would not.
    board = (np.indices((64, 64)).sum(axis=0) % 2).astype(np.float32)
    small = bicubic_downscale(np.repeat(board[:, :, None], 3, axis=2), 4)
    assert small.shape == (16, 16, 3)
    assert np.abs(small[2:-2, 2:-2] - 0.5).max() < 0.02
    assert bicubic_upscale(small, 4).shape == (64, 64, 3)
    assert modcrop(np.zeros((67, 70, 3)), 4).shape == (64, 68, 3)
