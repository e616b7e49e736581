"""NIQE: the MATLAB reference value, and the score moving the way naturalness does."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.evaluation.niqe import matlab_half_size, niqe
from tests.helpers.images import bench_folder

SET14 = bench_folder("Set14")


def _texture(size: int = 256, seed: int = 0) -> np.ndarray:
    """Grey 1/f noise, the power spectrum of natural scenes: HxWx3 in [0, 1]."""
    rng = np.random.default_rng(seed)
    freq = np.fft.fftfreq(size)
    radius = np.hypot(freq[:, None], freq[None, :])
    radius[0, 0] = 1.0
    spectrum = (rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))) / radius
    plane = np.real(np.fft.ifft2(spectrum))
    plane = (plane - plane.min()) / (plane.max() - plane.min())
    return np.repeat(plane[:, :, None], 3, axis=2)


@pytest.mark.skipif(SET14 is None, reason="Set14 is not on this machine")
def test_matches_the_matlab_release_on_set14_baboon():
    rgb = np.asarray(Image.open(SET14 / "baboon.png").convert("RGB"), dtype=np.float64) / 255.0
    # MATLAB: 5.72957; BasicSR's float32 port 5.72957. Float64 here: 5.72996.
    assert niqe(rgb) == pytest.approx(5.7296, abs=1e-3)


def test_blur_and_noise_make_an_image_less_natural():
    clean = _texture()
    blurred = np.asarray(Image.fromarray(np.uint8(clean * 255)).filter(ImageFilter.GaussianBlur(3))) / 255.0
    noisy = np.clip(clean + np.random.default_rng(1).normal(0, 0.08, clean.shape), 0, 1)
    score = niqe(clean)
    assert niqe(blurred) > score + 2
    assert niqe(noisy) > score + 2


def test_shave_ignores_the_border():
    image = _texture(288)
    framed = image.copy()
    framed[:8], framed[-8:], framed[:, :8], framed[:, -8:] = 1.0, 0.0, 1.0, 0.0
    assert niqe(framed, shave=8) == pytest.approx(niqe(image[8:-8, 8:-8]))
    assert niqe(framed) != pytest.approx(niqe(image))


def test_flat_blocks_are_left_out_and_a_flat_image_is_refused_in_words():
    # Line art and page margins have blocks of one grey; the score comes from the textured ones.
    image = _texture(192)
    image[:96] = 0.5
    assert niqe(image) == pytest.approx(niqe(image[96:]), abs=0.5)   # the edge between them bleeds in
    with pytest.raises(ValueError, match="flat"):
        niqe(np.full((192, 192, 3), 0.5))


def test_an_image_smaller_than_one_block_is_refused_in_words():
    with pytest.raises(ValueError, match="at least 96x96"):
        niqe(np.zeros((95, 200, 3)))


def test_half_size_is_pillows_bicubic_inside_and_mirrors_at_the_edges():
    plane = np.random.default_rng(2).random((40, 30))
    ours = matlab_half_size(plane)
    pillow = np.asarray(Image.fromarray(plane.astype(np.float32)).resize((15, 20), Image.Resampling.BICUBIC))
    assert ours.shape == (20, 15)
    np.testing.assert_allclose(ours[3:-3, 3:-3], pillow[3:-3, 3:-3], atol=1e-6)
    # A constant stays constant up to the edge (mirroring), and a ramp stays a ramp inside.
    np.testing.assert_allclose(matlab_half_size(np.full((12, 10), 0.25)), 0.25)
    ramp = matlab_half_size(np.tile(np.arange(16.0), (16, 1)))
    np.testing.assert_allclose(np.diff(ramp[:, 2:-2], axis=1), 2.0)
