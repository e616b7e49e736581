"""Is an image file whole? Checked where it is cheap, so a batch plan lists a truncated file up front.

A header alone says nothing about the end of a file. A JPEG decoded at 1/8 scale (Pillow's
draft mode) still reads every byte of its entropy-coded data, for a few milliseconds; a PNG
must end with its IEND chunk. Other formats are left to the full decode of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.imageio.files import ImageReadError
from core.imageio.read import load_thumbnail

JPEG_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif")
PNG_END = b"IEND"
PNG_TAIL_BYTES = 64     # IEND is the last 12 bytes; a little slack for padding some tools add


def check_complete(path: str | os.PathLike, max_pixels: int | None = None) -> None:
    """Raise ImageReadError (one line) if the file is cut short; a no-op where that check is not cheap."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in JPEG_SUFFIXES:
        load_thumbnail(path, 32, max_pixels)
    elif suffix == ".png":
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - PNG_TAIL_BYTES))
            if PNG_END not in f.read():
                raise ImageReadError(f"{path.name}: the file is truncated (incomplete download or copy?)")
