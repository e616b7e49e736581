"""Which photos of a folder a fine-tune holds out to measure itself: one rule for the wizard and
`srgan finetune` alike (`srgan train` keeps its own `--val-count`).

How many: one photo in `HOLD_OUT_SHARE`, at least one, at most `MAX_HELD_OUT` (2-9 usable
photos: 1; 10: 2; 25 or more: 5). Every held-out photo costs a training photo, and the held-out
PSNR decides whether the result is exported at all, so a few photos are worth it; beyond five,
another one mostly lengthens each validation.

Which ones: the photos whose names (relative to the folder) come first when ordered by a hash of
(seed, name). The choice depends only on the names and the seed, not on the order a scan found
them in or on which other photos are usable, so adding a photo changes at most which ones the
count adds or drops, and a resumed run validates on the same photos (`TrainConfig.val_files`).

Held-out photos are scored whole, or by their centre 512 x 512 (HR pixels) when larger
(`core.training.run_data.VAL_MAX_SIDE`), which bounds a validation's time on big photos.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

MIN_PHOTOS = 2                 # one to train on, one to validate on
HOLD_OUT_SHARE = 5
MAX_HELD_OUT = 5


def held_out_count(usable: int) -> int:
    """How many of `usable` photos are held out (0 when there are too few to train at all)."""
    if usable < MIN_PHOTOS:
        return 0
    return max(1, min(MAX_HELD_OUT, usable // HOLD_OUT_SHARE))


def relative_name(path: Path, folder: Path) -> str:
    """`path` as the "/"-separated name below `folder` that `TrainConfig.val_files` takes."""
    return Path(path).relative_to(folder).as_posix()


def hold_out(usable: Sequence[Path], folder: Path, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """(training, held_out) photos of `usable` (all below `folder`), each in the given order."""
    count = held_out_count(len(usable))
    ranked = sorted(usable, key=lambda p: _rank(relative_name(p, folder), seed))
    held = set(ranked[:count])
    return [p for p in usable if p not in held], [p for p in usable if p in held]


def _rank(name: str, seed: int) -> bytes:
    return hashlib.sha256(f"{seed}\0{name}".encode()).digest()
