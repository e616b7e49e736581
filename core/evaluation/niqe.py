"""NIQE, the blind naturalness score (Mittal, Soundararajan and Bovik 2013); lower is more natural.

"Making a completely blind image quality analyzer", IEEE Signal Processing Letters 20(3). The
image's luma is normalised by its local mean and contrast (MSCN coefficients); every 96x96
block, at full and at half resolution, is described by 18 numbers each: the shape and spread
of a generalised Gaussian fitted to the coefficients, and of asymmetric generalised Gaussians
fitted to the products of neighbours in four directions. NIQE is the Mahalanobis-like distance
between a multivariate Gaussian fitted to those block features and the one the authors fitted
to a corpus of pristine natural photos (`niqe_pristine_model.npz`, see its licence file).

Follows the authors' MATLAB release in every detail that moves the score: Y of MATLAB's
`rgb2ycbcr` rounded to integers, a 7x7 Gaussian window (sigma 7/6) with replicated edges,
non-overlapping 96 px blocks, the half-resolution pass through MATLAB's antialiased bicubic
`imresize`, and the pooled covariance pseudo-inverted. Set14's baboon, uncropped: 5.7296.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np

from core.imageio.color import rgb_to_y

BLOCK = 96
PRISTINE_MODEL = Path(__file__).with_name("niqe_pristine_model.npz")
# Candidate shape parameters of the generalised Gaussian fit, as in the MATLAB release.
_SHAPES = np.arange(0.2, 10.001, 0.001)
# Neighbour directions whose pairwise products are modelled: right, down, and both diagonals.
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


def niqe(rgb: np.ndarray, shave: int = 0) -> float:
    """NIQE of an HxWx3 RGB image in [0, 1], `shave` border pixels ignored first.

    The image needs at least one 96x96 block after shaving; smaller images raise ValueError.
    """
    y = np.round(rgb_to_y(np.clip(rgb, 0.0, 1.0)) * 255.0)
    if shave:
        y = y[shave:-shave, shave:-shave]
    return niqe_luma(y)


def niqe_luma(y255: np.ndarray) -> float:
    """NIQE of an HxW luma plane with values in [0, 255]."""
    rows, cols = y255.shape[0] // BLOCK, y255.shape[1] // BLOCK
    if rows == 0 or cols == 0:
        raise ValueError(f"NIQE needs at least {BLOCK}x{BLOCK} pixels, got {y255.shape[1]}x{y255.shape[0]}")
    image = y255[: rows * BLOCK, : cols * BLOCK].astype(np.float64)
    features = []
    for scale in (1, 2):
        mscn = _mscn(image)
        size = BLOCK // scale
        features.append(np.array([_block_features(mscn[r * size:(r + 1) * size, c * size:(c + 1) * size])
                                  for c in range(cols) for r in range(rows)]))
        if scale == 1:
            image = matlab_half_size(image / 255.0) * 255.0
    stacked = np.concatenate(features, axis=1)
    if np.isnan(stacked).any(axis=1).all():
        raise ValueError("NIQE needs texture: every 96 px block of this image is flat")
    return _distance(stacked)


def _distance(features: np.ndarray) -> float:
    mu_pristine, cov_pristine = _pristine_model()
    mu = np.nanmean(features, axis=0)
    finite = features[~np.isnan(features).any(axis=1)]
    cov = np.cov(finite, rowvar=False) if len(finite) > 1 else np.zeros_like(cov_pristine)
    diff = mu_pristine - mu
    return float(np.sqrt(diff @ np.linalg.pinv((cov_pristine + cov) / 2.0) @ diff))


@cache
def _pristine_model() -> tuple[np.ndarray, np.ndarray]:
    with np.load(PRISTINE_MODEL) as data:
        return data["mu"].astype(np.float64), data["cov"].astype(np.float64)


def _mscn(image: np.ndarray) -> np.ndarray:
    """Mean-subtracted, contrast-normalised coefficients (the +1 keeps flat areas finite)."""
    mu = _gaussian_filter(image)
    sigma = np.sqrt(np.abs(_gaussian_filter(image * image) - mu * mu))
    return (image - mu) / (sigma + 1.0)


@cache
def _gaussian_window() -> np.ndarray:
    taps = np.arange(-3, 4, dtype=np.float64)
    window = np.exp(-(taps[:, None] ** 2 + taps[None, :] ** 2) / (2.0 * (7.0 / 6.0) ** 2))
    return window / window.sum()


def _gaussian_filter(image: np.ndarray) -> np.ndarray:
    """7x7 Gaussian correlation with replicated edges (MATLAB's imfilter 'replicate')."""
    window = _gaussian_window()
    padded = np.pad(image, 3, mode="edge")
    height, width = image.shape
    out = np.zeros_like(image)
    for dy in range(7):
        for dx in range(7):
            out += window[dy, dx] * padded[dy:dy + height, dx:dx + width]
    return out


def _block_features(block: np.ndarray) -> list[float]:
    shape, left, right = _fit_aggd(block)
    features = [shape, (left + right) / 2.0]
    for shift in _SHIFTS:
        shape, left, right = _fit_aggd(block * np.roll(block, shift, axis=(0, 1)))
        mean = (right - left) * math.gamma(2.0 / shape) / math.gamma(1.0 / shape)
        features += [shape, mean, left, right]
    return features


@cache
def _shape_ratios() -> np.ndarray:
    """Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a)) for every candidate shape a: the moment ratio to match."""
    gamma = np.vectorize(math.gamma)
    return gamma(2.0 / _SHAPES) ** 2 / (gamma(1.0 / _SHAPES) * gamma(3.0 / _SHAPES))


def _fit_aggd(values: np.ndarray) -> tuple[float, float, float]:
    """Asymmetric generalised Gaussian by moment matching: (shape, left scale, right scale)."""
    values = values.ravel()
    left_std = math.sqrt(float(np.mean(values[values < 0] ** 2))) if np.any(values < 0) else math.nan
    right_std = math.sqrt(float(np.mean(values[values > 0] ** 2))) if np.any(values > 0) else math.nan
    power = float(np.mean(values ** 2))
    if power == 0.0:                # a flat block (line art, a page margin): no statistics to fit
        return math.nan, math.nan, math.nan
    skew = left_std / right_std
    ratio = float(np.mean(np.abs(values))) ** 2 / power
    normalised = ratio * (skew ** 3 + 1) * (skew + 1) / (skew ** 2 + 1) ** 2
    if not math.isfinite(normalised):
        return math.nan, math.nan, math.nan
    shape = float(_SHAPES[np.argmin((_shape_ratios() - normalised) ** 2)])
    spread = math.sqrt(math.gamma(1.0 / shape) / math.gamma(3.0 / shape))
    return shape, left_std * spread, right_std * spread


def matlab_half_size(plane: np.ndarray) -> np.ndarray:
    """MATLAB's `imresize(plane, 0.5)`: antialiased bicubic with symmetric edges, rows then columns.

    Pillow's bicubic shrinks the same way inside the image but renormalises the kernel at the
    edges instead of mirroring, which moves NIQE in the third decimal; the reference value
    needs MATLAB's edges.
    """
    return _resize_axis(_resize_axis(plane, axis=0), axis=1)


def _resize_axis(plane: np.ndarray, axis: int) -> np.ndarray:
    weights, indices = _half_size_taps(plane.shape[axis])
    taken = np.take(plane, indices, axis=axis)          # (..., out, taps) along `axis`
    if axis == 0:
        return np.einsum("ot,otw->ow", weights, taken)
    return np.einsum("ot,hot->ho", weights, taken)


@cache
def _half_size_taps(length: int) -> tuple[np.ndarray, np.ndarray]:
    scale, width = 0.5, 4.0 / 0.5                       # the cubic kernel widened by 1/scale
    out = np.arange(1, math.ceil(length * scale) + 1, dtype=np.float64)
    centre = out / scale + 0.5 * (1 - 1 / scale)        # MATLAB's 1-based output-to-input map
    first = np.floor(centre - width / 2)
    taps = first[:, None] + np.arange(math.ceil(width) + 2)[None, :]
    weights = scale * _cubic(scale * (centre[:, None] - taps))
    weights /= weights.sum(axis=1, keepdims=True)
    keep = np.any(weights != 0, axis=0)
    weights, taps = weights[:, keep], taps[:, keep]
    mirror = np.concatenate([np.arange(length), np.arange(length)[::-1]])
    indices = mirror[np.mod(taps.astype(np.int64) - 1, 2 * length)]
    return weights, indices


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel, a = -0.5 (MATLAB's 'bicubic')."""
    ax = np.abs(x)
    near = (1.5 * ax ** 3 - 2.5 * ax ** 2 + 1) * (ax <= 1)
    far = (-0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))
    return near + far
