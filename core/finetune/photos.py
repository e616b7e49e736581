"""What a photo folder holds, in the words the wizard's photos page and `srgan finetune` show.

A scan finds the usable images (their sizes), what was skipped and why, and which few are held
out for validation (`core.finetune.holdout`, the one rule); `PhotoSummary` also knows how many
pixels training decodes and validation scores, which the time budget needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.common.events import NEVER_CANCELLED, Control, Event
from core.finetune.holdout import MIN_PHOTOS, hold_out, relative_name

RECOMMENDED_PHOTOS = 20        # below this the result mostly memorises the few photos
SCAN_MIN_SIZE = 96             # the recipe's HR crop: smaller photos cannot give a full crop
THUMBNAIL_EDGE = 112

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class PhotoSummary:
    """What a scan of the user's photo folder found."""

    folder: Path
    usable: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]
    sizes: dict[Path, tuple[int, int]] = field(default_factory=dict)   # (width, height)
    training: tuple[Path, ...] = ()
    validation: tuple[Path, ...] = ()
    min_size: int = SCAN_MIN_SIZE
    thumbnails: dict[Path, Any] = field(default_factory=dict)   # held-out photo -> small HxWx3 uint8

    @property
    def can_train(self) -> bool:
        return len(self.usable) >= MIN_PHOTOS

    def held_out_names(self) -> tuple[str, ...]:
        """The held-out photos as `FineTuneChoices.held_out` / `TrainConfig.val_files` name them."""
        return tuple(relative_name(p, self.folder) for p in self.validation)

    def megapixels(self, photo_scale: float = 1.0) -> float:
        """Pixels a run decodes (every usable photo, shrunk by `photo_scale`), in millions."""
        return sum(w * h for p, (w, h) in self.sizes.items() if p in set(self.usable)) * photo_scale ** 2 / 1e6

    def held_out_megapixels(self, photo_scale: float = 1.0) -> float:
        """HR pixels one validation scores, in millions: each held-out photo shrunk by `photo_scale`,
        at most its centre VAL_MAX_SIDE square."""
        from core.training.run_data import VAL_MAX_SIDE
        total = 0.0
        for path in self.validation:
            w, h = self.sizes.get(path, (VAL_MAX_SIDE, VAL_MAX_SIDE))
            total += min(w * photo_scale, VAL_MAX_SIDE) * min(h * photo_scale, VAL_MAX_SIDE)
        return total / 1e6

    @property
    def warning(self) -> str:
        """A plain-words warning, or "" when the folder is fine."""
        count = len(self.usable)
        if count == 0:
            return ("No usable photos in this folder. Choose a folder with JPEG, PNG, WebP, BMP or "
                    f"TIFF photos at least {self.min_size} pixels on each side.")
        if count < MIN_PHOTOS:
            return ("Only one usable photo: at least two are needed (one is held out to measure "
                    "progress). Add more photos to the folder.")
        if count < RECOMMENDED_PHOTOS:
            return (f"Only {count} usable photos. Training works, but with fewer than "
                    f"{RECOMMENDED_PHOTOS} the model tends to memorise them rather than learn your style.")
        return ""

    def size_text(self) -> str:
        """e.g. "from 640 x 480 to 4000 x 3000 pixels" (width x height)."""
        if not self.sizes:
            return ""
        by_area = sorted((w * h, (w, h)) for p, (w, h) in self.sizes.items() if p in set(self.usable))
        if not by_area:
            return ""
        (sw, sh), (lw, lh) = by_area[0][1], by_area[-1][1]
        if (sw, sh) == (lw, lh):
            return f"all {sw} x {sh} pixels"
        return f"from {sw} x {sh} to {lw} x {lh} pixels"

    def skip_reasons(self) -> list[tuple[str, int]]:
        """Skip reasons grouped, most frequent first: [("too small for the crop", 3), ...]."""
        counts = Counter(_reason_group(reason) for _, reason in self.skipped)
        return counts.most_common()

    def largest_crop(self, scale: int = 4) -> int:
        """The largest training crop every usable photo can give (a multiple of 16 and of scale)."""
        edges = [min(self.sizes[p]) for p in self.usable if p in self.sizes]
        if not edges:
            return self.min_size
        step = 16 if 16 % scale == 0 else 16 * scale
        return max(step, min(edges) // step * step)


def _reason_group(reason: str) -> str:
    """Shorten "photo.jpg: 40 x 30 pixels, smaller than the 96-pixel crop" to a group name."""
    text = reason.lower()
    if "small" in text:
        return "too small for the training crop"
    if "duplicate" in text or "same file" in text:
        return "duplicate of another photo"
    if any(word in text for word in ("unreadable", "corrupt", "truncated", "cannot", "not an image",
                                     "broken", "decode", "identify")):
        return "unreadable or damaged"
    return reason.split(":")[-1].strip() or reason


def summarize_scan(folder: Path, scan: Any, seed: int = 0, min_size: int = SCAN_MIN_SIZE) -> PhotoSummary:
    """The summary of a `core.training.data.ScanResult`, with the one hold-out rule applied."""
    folder = Path(folder)
    usable = tuple(scan.usable)
    training, validation = hold_out(usable, folder, seed)
    return PhotoSummary(folder=folder, usable=usable, skipped=tuple(scan.skipped), sizes=dict(scan.sizes),
                        training=tuple(training), validation=tuple(validation), min_size=min_size)


def scan_photos(folder: Path, seed: int = 0, min_size: int = SCAN_MIN_SIZE,
                control: Control = NEVER_CANCELLED, progress: Callable[[int, int], None] | None = None,
                thumbnails: bool = True) -> Generator[Event, None, PhotoSummary]:
    """Scan a photo folder (background work for the photos page); returns the summary.

    `progress(done, total)` is called from the scanning thread after each file; `thumbnails`
    adds small previews of the held-out photos (the photos page shows them, the CLI does not).
    """
    from core.training.data import scan_folder

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder")
    result = yield from _as_generator(scan_folder(folder, min_size, control, progress))
    summary = summarize_scan(folder, result, seed, min_size)
    if not thumbnails:
        return summary
    thumbs = {}
    for path in summary.validation:
        control.checkpoint()
        thumbs[path] = thumbnail(path)
    return replace(summary, thumbnails={p: t for p, t in thumbs.items() if t is not None})


def thumbnail(path: Path, edge: int = THUMBNAIL_EDGE) -> np.ndarray | None:
    """A small RGB uint8 preview of a photo (JPEG decodes at reduced size), or None if unreadable."""
    from core.imageio.files import ImageReadError, load_thumbnail
    try:
        return load_thumbnail(path, edge)
    except ImageReadError:
        return None


def _as_generator(value: Any) -> Generator[Event, None, Any]:
    """Accept scan_folder either as a plain function result or as an event generator."""
    if isinstance(value, Generator):
        return (yield from value)
    return value
