"""Which model suits an image: the real-world model for compressed or noisy inputs, else none.

A JPEG saved below quality 90 (read from its quantisation tables) or an image whose flattest
parts carry noise of more than 8 grey levels gets the "Real-world photo x4" model recommended,
with the reason in words; anything else keeps the user's choice. The recommendation never
overrides an explicit choice: the app pre-selects it, `srgan upscale --model auto` follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.imageio.condition import jpeg_quality, noise_sigma
from core.models.library import installed_names

REAL_WORLD_MODEL = "realworld-x4"
COMPRESSED_BELOW = 90      # JPEG quality under which blocks and ringing show in a 4x result
NOISY_ABOVE = 8.0          # grey levels of noise in the flattest parts (clean photos: 0-5)


@dataclass(frozen=True)
class Recommendation:
    model: str             # library name
    finding: str           # what was found, short enough for a status line: "a JPEG saved at quality ~70"
    why: str               # what the model does about it

    @property
    def reason(self) -> str:
        """One line, for a tooltip or the CLI."""
        return f"{self.finding}: {self.why}"


def recommend(path: str | Path | None, rgb: np.ndarray | None = None) -> Recommendation | None:
    """The model to pre-select for this image, or None (keep the default) when nothing argues for one.

    `rgb` (HxWx3 in [0, 1]) is the decoded image when the caller has it; without it only the
    file's JPEG tables are read, not its pixels. `path` None: an image without a file (pasted),
    judged by its pixels alone.
    """
    if REAL_WORLD_MODEL not in installed_names():
        return None
    quality = jpeg_quality(path) if path is not None else None
    if quality is not None and quality < COMPRESSED_BELOW:
        return Recommendation(REAL_WORLD_MODEL, f"a JPEG saved at quality ~{quality}",
                              "the real-world model removes compression blocks instead of sharpening them")
    if rgb is not None:
        sigma = noise_sigma(rgb)
        if sigma > NOISY_ABOVE:
            return Recommendation(REAL_WORLD_MODEL, f"noisy (about {sigma:.0f} grey levels)",
                                  "the real-world model smooths noise instead of sharpening it")
    return None
