"""Any output size: 2x, 3x, 4x, or a target width or height, from the model's own scale.

The network always runs at its native scale (4x for the bundled models); a different size is
that result resized with Pillow's antialiased LANCZOS, which loses less than any network run
at a lower scale would gain. When the size asked for is the native one nothing is resized.
DPI follows the real factor, so the printed size of the photo stays what it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from core.imageio.bicubic import resize_lanczos
from core.imageio.files import DecodedImage

MAX_SCALE = 16.0


@dataclass(frozen=True)
class OutputSize:
    """Exactly one of: `scale` (times the input), `width` or `height` (pixels; the other side keeps the ratio)."""

    scale: float | None = None
    width: int | None = None
    height: int | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.scale, self.width, self.height) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of an output scale, width or height")
        if self.scale is not None and not 0 < self.scale <= MAX_SCALE:
            raise ValueError(f"the output scale must be above 0 and at most {MAX_SCALE:g}, got {self.scale:g}")
        for side in (self.width, self.height):
            if side is not None and side < 1:
                raise ValueError(f"an output width or height must be at least 1 pixel, got {side}")

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of the output for a `width` x `height` input (each side at least 1 pixel)."""
        if self.scale is not None:
            factor = self.scale
        elif self.width is not None:
            factor = self.width / width
        else:
            factor = (self.height or 0) / height
        out_w = self.width if self.width is not None else max(1, round(width * factor))
        out_h = self.height if self.height is not None else max(1, round(height * factor))
        return out_w, out_h

    def describe(self) -> str:
        """Words for a label: "2x", "1920 px wide", "1080 px high"."""
        if self.scale is not None:
            return f"{self.scale:g}\u00d7"
        if self.width is not None:
            return f"{self.width} px wide"
        return f"{self.height} px high"


def resize_result(result: DecodedImage, size: tuple[int, int]) -> DecodedImage:
    """The upscaled `result` resized to `size` = (width, height) with LANCZOS; DPI scaled by the same factor.

    Returns `result` itself when it already has that size (the model's native scale).
    """
    width, height = size
    if (width, height) == (result.width, result.height):
        return result
    color = np.clip(resize_lanczos(result.color, size), 0.0, 1.0)
    alpha = None if result.alpha is None else np.clip(resize_lanczos(result.alpha, size), 0.0, 1.0)
    dpi = result.metadata.dpi
    if dpi is not None:
        dpi = (dpi[0] * width / result.width, dpi[1] * height / result.height)
    return dataclasses.replace(result, color=color, alpha=alpha, metadata=dataclasses.replace(result.metadata, dpi=dpi))
