"""The image types shared by reading, writing and upscaling (re-exported by `core.imageio.files`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class ImageReadError(Exception):
    """An input image that cannot be used; the message is one line meant for the user."""


class ImageWriteError(Exception):
    """An output image that cannot be written; the message is one line meant for the user."""


@dataclass(frozen=True)
class ImageMetadata:
    """What travels from the input file to the output besides pixels."""

    icc_profile: bytes | None = None
    exif: bytes | None = None                 # orientation already applied and reset to 1
    dpi: tuple[float, float] | None = None
    source_format: str = ""                   # Pillow's name: "PNG", "JPEG", ...


@dataclass
class DecodedImage:
    """A fully decoded image: float colour, separate alpha, and how to write it back."""

    color: np.ndarray                         # H x W x 3 float32 in [0, 1]
    alpha: np.ndarray | None                  # H x W float32 in [0, 1]
    grayscale: bool                           # source was L/LA: written back as L/LA
    bit_depth: int                            # 8 or 16
    metadata: ImageMetadata
    frames: int = 1                           # frames of an animation, pages of a TIFF: only the first is here

    @property
    def width(self) -> int:
        return int(self.color.shape[1])

    @property
    def height(self) -> int:
        return int(self.color.shape[0])

    @property
    def frame_unit(self) -> str:
        """What the source's frames are called: "pages" of a TIFF, "frames" of an animation."""
        return "pages" if self.metadata.source_format == "TIFF" else "frames"


class CodecError(Exception):
    """A file the app's own PNG/TIFF code cannot decode or encode; the message is one line."""
