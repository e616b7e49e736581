"""The lattice score finds the faint 4-pixel grid a GAN draws, and leaves natural texture alone."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.lattice import lattice_score


def _texture(size: int = 256, seed: int = 0) -> np.ndarray:
    """Random texture with a natural-looking falling spectrum (no preferred period)."""
    rng = np.random.default_rng(seed)
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    spectrum = np.fft.fft2(rng.normal(size=(size, size))) / np.maximum(np.hypot(fy, fx), 1.0 / size)
    texture = np.real(np.fft.ifft2(spectrum))
    return 128 + 30 * texture / texture.std()


def _grid(size: int = 256, period: int = 4) -> np.ndarray:
    phase = np.arange(size) % period
    return np.add.outer(phase == 0, phase == 0).astype(np.float64)      # a faint line every `period` pixels


def test_natural_texture_scores_about_one():
    assert 0.5 < lattice_score(_texture()) < 2.0


def test_a_faint_grid_over_texture_raises_the_score_with_its_strength():
    texture = _texture()
    faint = texture + 0.1 * texture.std() * _grid()               # lines at a tenth of the texture's contrast
    assert lattice_score(faint) > 2 * lattice_score(texture)
    assert lattice_score(texture + 0.2 * texture.std() * _grid()) > 2 * lattice_score(faint)


def test_a_period_the_score_is_not_asked_about_is_not_reported():
    texture = _texture()
    three = texture + 0.2 * texture.std() * _grid(period=3)     # 64 is no multiple of 3: off the 1/4 lattice
    assert lattice_score(three) < 2.0


def test_inputs_it_cannot_score_are_refused():
    with pytest.raises(ValueError, match="smaller than one"):
        lattice_score(np.zeros((32, 200)))
    with pytest.raises(ValueError, match="period"):
        lattice_score(_texture(), period=3)
