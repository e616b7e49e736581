"""Real-world degradations for training: blur, resize, noise and JPEG, once or twice, from an HR crop.

Models trained on clean bicubic LR sharpen the 8x8 blocks and ringing of real JPEGs into stripes.
Following the "second-order" recipe of Real-ESRGAN (Wang et al. 2021), each training crop's LR
is made from its HR crop by a random chain:

    blur (isotropic / anisotropic / generalised Gaussian) -> resize (random mode and size)
    -> noise (Gaussian colour or grey, or Poisson) -> JPEG
    [-> with `second_order` probability: blur -> noise -> JPEG again, weaker]
    -> resize to the LR size and a final JPEG, in random order.

With `plain_prob` probability a crop takes the plain path instead: one bicubic resize straight to
the LR size and one JPEG save, the way most web and phone photos were made. The full chain alone
never shows the model that common case, and it then restores single-save JPEGs too timidly.

Every draw comes from the `rng` the caller passes, which the data pipeline seeds with (seed,
sample number): the LR of a sample is a pure function of that pair, so `--resume` stays exact.
JPEG goes through Pillow's encoder (`core.imageio.compress`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.common.settings import refuse_unknown_fields
from core.imageio.compress import jpeg_roundtrip

_RESIZE_MODES = (Image.Resampling.BICUBIC, Image.Resampling.BILINEAR, Image.Resampling.BOX)


@dataclass(frozen=True)
class DegradationConfig:
    """Strengths of the real-world pipeline (sigmas in HR pixels, noise in 8-bit levels)."""

    blur_prob: float = 0.7
    blur_sigma: tuple[float, float] = (0.2, 2.0)
    anisotropic_prob: float = 0.4
    generalized_prob: float = 0.15             # plateau or heavy-tailed kernels (shape beta 0.5-4)
    resize_range: tuple[float, float] = (1.0, 2.0)   # intermediate size, in multiples of the LR size
    noise_prob: float = 0.5
    noise_sigma: tuple[float, float] = (1.0, 12.0)
    gray_noise_prob: float = 0.4
    poisson_prob: float = 0.3                  # of the noisy samples, Poisson instead of Gaussian
    jpeg_quality: tuple[int, int] = (35, 95)
    second_order: float = 0.5                  # probability of a second, weaker pass
    plain_prob: float = 0.0                    # probability of the plain path: bicubic resize, one JPEG

    def __post_init__(self) -> None:
        for name in ("blur_prob", "anisotropic_prob", "generalized_prob", "noise_prob", "gray_noise_prob",
                     "poisson_prob", "second_order", "plain_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"degradation {name} must be a probability in [0, 1], got {getattr(self, name)}")
        for name in ("blur_sigma", "resize_range", "noise_sigma", "jpeg_quality"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"degradation {name} must be a range low <= high, got {(low, high)}")
        if not 1 <= self.jpeg_quality[0] <= self.jpeg_quality[1] <= 100:
            raise ValueError(f"JPEG quality must lie in 1-100, got {self.jpeg_quality}")

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DegradationConfig:
        refuse_unknown_fields(cls, data, "degradation settings")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)


def degrade(hr: np.ndarray, scale: int, config: DegradationConfig, rng: np.random.Generator) -> np.ndarray:
    """HxWx3 float HR in [0, 1] -> (H/scale)x(W/scale)x3 float32 LR in [0, 1], real-world style."""
    height, width = hr.shape[0] // scale, hr.shape[1] // scale
    image = np.asarray(hr, dtype=np.float32)
    if config.plain_prob and rng.random() < config.plain_prob:   # no draw when off: old runs resume exactly
        image = jpeg_roundtrip(_resize(image, (width, height), rng, Image.Resampling.BICUBIC), _quality(config, rng))
        return np.clip(image, 0.0, 1.0).astype(np.float32)
    image = _maybe_blur(image, config, rng, strength=1.0)
    factor = rng.uniform(*config.resize_range)
    image = _resize(image, (max(1, round(width * factor)), max(1, round(height * factor))), rng)
    image = _maybe_noise(image, config, rng, strength=1.0)
    image = jpeg_roundtrip(image, _quality(config, rng))
    if rng.random() < config.second_order:
        image = _maybe_blur(image, config, rng, strength=0.5)
        image = _maybe_noise(image, config, rng, strength=0.5)
    if rng.random() < 0.5:                    # final resize and JPEG, in either order
        image = jpeg_roundtrip(_resize(image, (width, height), rng), _quality(config, rng))
    else:
        image = _resize(jpeg_roundtrip(image, _quality(config, rng)), (width, height), rng)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _quality(config: DegradationConfig, rng: np.random.Generator) -> int:
    low, high = config.jpeg_quality
    return int(rng.integers(low, high + 1))


def _resize(image: np.ndarray, size: tuple[int, int], rng: np.random.Generator,
            mode: Image.Resampling | None = None) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == size:
        return image
    if mode is None:
        mode = _RESIZE_MODES[int(rng.integers(len(_RESIZE_MODES)))]
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c])).resize(size, mode))
              for c in range(image.shape[2])]
    return np.stack(planes, axis=2).astype(np.float32)


def _maybe_blur(image: np.ndarray, config: DegradationConfig, rng: np.random.Generator,
                strength: float) -> np.ndarray:
    if rng.random() >= config.blur_prob:
        return image
    kernel = blur_kernel(config, rng, strength)
    pad = kernel.shape[0] // 2
    if min(image.shape[:2]) <= pad:
        return image
    planes = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]      # (1, 3, H, W)
    weight = torch.from_numpy(kernel)[None, None].repeat(3, 1, 1, 1)                      # (3, 1, k, k)
    blurred = F.conv2d(F.pad(planes, (pad, pad, pad, pad), mode="reflect"), weight, groups=3)
    return blurred[0].numpy().transpose(1, 2, 0)


def blur_kernel(config: DegradationConfig, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """A normalised (2r+1)^2 float32 kernel: isotropic, rotated anisotropic, or generalised Gaussian."""
    low, high = config.blur_sigma
    sigma_x = rng.uniform(low, low + (high - low) * strength)
    anisotropic = rng.random() < config.anisotropic_prob
    sigma_y = rng.uniform(low, low + (high - low) * strength) if anisotropic else sigma_x
    angle = rng.uniform(0, math.pi) if anisotropic else 0.0
    beta = rng.uniform(0.5, 4.0) if rng.random() < config.generalized_prob else 2.0
    radius = min(10, max(1, math.ceil(3 * max(sigma_x, sigma_y))))
    y, x = np.mgrid[-radius:radius + 1, -radius:radius + 1].astype(np.float64)
    cos, sin = math.cos(angle), math.sin(angle)
    u, v = (cos * x + sin * y) / sigma_x, (-sin * x + cos * y) / sigma_y
    kernel = np.exp(-0.5 * (u * u + v * v) ** (beta / 2.0))
    return (kernel / kernel.sum()).astype(np.float32)


def _maybe_noise(image: np.ndarray, config: DegradationConfig, rng: np.random.Generator,
                 strength: float) -> np.ndarray:
    if rng.random() >= config.noise_prob:
        return image
    gray = rng.random() < config.gray_noise_prob
    shape = image.shape[:2] + ((1,) if gray else (image.shape[2],))
    if rng.random() < config.poisson_prob:
        # Shot noise: variance proportional to brightness; `peak` photons at full scale.
        peak = 10 ** rng.uniform(1.5, 3.0) / strength
        base = image.mean(axis=2, keepdims=True) if gray else image
        noisy = rng.poisson(np.clip(base, 0, 1) * peak) / peak
        return np.clip(image + (noisy - base), 0, 1).astype(np.float32)
    low, high = config.noise_sigma
    sigma = rng.uniform(low, low + (high - low) * strength) / 255.0
    return np.clip(image + rng.normal(0.0, sigma, shape), 0, 1).astype(np.float32)
