"""Where an upscaled result departs from what its input supports: the invented-detail map.

Two measures, both on luma, both at the result's resolution:
  * consistency: shrink the result back with the training protocol's bicubic /scale and
    compare with the input. Detail the input supports survives that round trip unchanged;
    where it does not (invented structure, shifted edges, colour drift) the difference grows.
  * invention: a photo-realistic result against the faithful one of the same input. The
    faithful model is the best guess of the mean; what the GAN adds beyond it is texture it made
    up (plausible, but not measured).
`heat_overlay` turns a map into a semi-transparent RGBA layer for the viewer and `--save-map`.
"""

from __future__ import annotations

import numpy as np

from core.imageio.bicubic import bicubic_downscale
from core.imageio.color import rgb_to_y

# A luma difference of this much (of full scale) or more is drawn at full strength.
FULL_SCALE = 0.10
MAX_ALPHA = 0.75


def _luma(image: np.ndarray) -> np.ndarray:
    rgb = image[:, :, :3] if image.shape[2] >= 3 else np.repeat(image[:, :, :1], 3, axis=2)
    return rgb_to_y(rgb.astype(np.float64))


def consistency_map(source: np.ndarray, result: np.ndarray, scale: int) -> np.ndarray:
    """|bicubic /scale of the result - the source| in luma (0..1), enlarged to the result's size."""
    height, width = source.shape[:2]
    if result.shape[0] != height * scale or result.shape[1] != width * scale:
        raise ValueError(f"the result ({result.shape[1]}x{result.shape[0]}) is not {scale}x the source "
                         f"({width}x{height})")
    round_trip = np.clip(bicubic_downscale(result.astype(np.float32), scale), 0.0, 1.0)
    difference = np.abs(_luma(round_trip) - _luma(source.astype(np.float32)))
    # Each source pixel stands for a scale x scale block of the result.
    return np.repeat(np.repeat(difference, scale, axis=0), scale, axis=1).astype(np.float32)


def invention_map(result: np.ndarray, faithful: np.ndarray) -> np.ndarray:
    """|result - faithful result| in luma (0..1): texture a photo-realistic model added."""
    if result.shape[:2] != faithful.shape[:2]:
        raise ValueError("the two results differ in size")
    return np.abs(_luma(result) - _luma(faithful)).astype(np.float32)


def heat_overlay(difference: np.ndarray, full_scale: float = FULL_SCALE) -> np.ndarray:
    """An HxWx4 uint8 RGBA layer: clear where the map is 0, amber to red and more opaque as it grows."""
    strength = np.clip(difference / full_scale, 0.0, 1.0)
    rgba = np.empty(difference.shape + (4,), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[..., 1] = np.round(200 * (1.0 - strength)).astype(np.uint8)   # amber (255, 200, 0) -> red
    rgba[..., 2] = 0
    rgba[..., 3] = np.round(255 * MAX_ALPHA * strength).astype(np.uint8)
    return rgba


def legend_text(full_scale: float = FULL_SCALE) -> str:
    return (f"clear: the result agrees with the input; amber to red: differs by up to "
            f"{full_scale:.0%} of full brightness or more")
