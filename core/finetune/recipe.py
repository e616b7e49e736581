"""Qt-free glue for the fine-tune wizard: what the photo folder holds and what to train with.

The wizard's pages show a summary of the user's photo folder (usable images, their sizes,
what was skipped and why, which few are held out for validation) and turn the user's
choices into a `TrainConfig`. Everything here is plain Python so it is tested without Qt
and the same rules apply if a CLI ever offers a guided fine-tune.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.common.events import NEVER_CANCELLED, Control, Event
from core.common.formatting import format_duration
from core.common.paths import user_data_dir
from core.training.degradations import DegradationConfig

MIN_PHOTOS = 2                 # one to train on, one to validate on
RECOMMENDED_PHOTOS = 20        # below this the result mostly memorises the few photos
SCAN_MIN_SIZE = 96             # the paper's HR crop: smaller photos cannot give a full crop
MAX_VALIDATION = 5
MODES = ("faithful", "realistic")
MODE_PHASE = {"faithful": "mse", "realistic": "gan"}
THUMBNAIL_EDGE = 112

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class PhotoSummary:
    """What a scan of the user's photo folder found, in the words the photos page shows."""

    folder: Path
    usable: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]
    sizes: dict[Path, tuple[int, int]] = field(default_factory=dict)
    training: tuple[Path, ...] = ()
    validation: tuple[Path, ...] = ()
    min_size: int = SCAN_MIN_SIZE
    thumbnails: dict[Path, Any] = field(default_factory=dict)   # held-out photo -> small HxWx3 uint8

    @property
    def can_train(self) -> bool:
        return len(self.usable) >= MIN_PHOTOS

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


def validation_count(usable: int) -> int:
    """How many photos to hold out: about one in ten, at least 1, at most MAX_VALIDATION."""
    if usable < MIN_PHOTOS:
        return 0
    return max(1, min(MAX_VALIDATION, usable // 10))


def summarize_scan(folder: Path, scan: Any, seed: int = 0, min_size: int = SCAN_MIN_SIZE) -> PhotoSummary:
    """Build the page's summary from a `core.training.data.ScanResult`, with the trainer's own split."""
    from core.training.data import split_validation

    usable = tuple(scan.usable)
    count = validation_count(len(usable))
    training, validation = (split_validation(list(usable), count, seed) if count else (list(usable), []))
    return PhotoSummary(folder=Path(folder), usable=usable, skipped=tuple(scan.skipped),
                        sizes=dict(scan.sizes), training=tuple(training), validation=tuple(validation),
                        min_size=min_size)


def scan_photos(folder: Path, seed: int = 0, min_size: int = SCAN_MIN_SIZE,
                control: Control = NEVER_CANCELLED,
                progress: Callable[[int, int], None] | None = None) -> Generator[Event, None, PhotoSummary]:
    """Scan a photo folder (background work for the photos page); returns the summary.

    `progress(done, total)` is called from the scanning thread after each file.
    """
    from core.training.data import scan_folder

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder")
    result = yield from _as_generator(scan_folder(folder, min_size, control, progress))
    summary = summarize_scan(folder, result, seed, min_size)
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


# -- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FineTuneChoices:
    """Everything the user picked on the wizard's pages."""

    data_dir: Path
    base_model: Path | None = None      # None: start from a fresh network
    mode: str = "faithful"              # "faithful" (MSE, SRResNet) or "realistic" (SRGAN)
    steps: int = 500
    batch_size: int = 4
    crop_size: int = 96
    lr: float = 1e-4
    ema: bool | None = None             # None: on for photo-realistic, off for faithful
    precision: str = "auto"
    device: str = "auto"
    val_count: int = 1
    seed: int = 0
    vgg_weights: Path | None = None
    photos: str = "clean"               # what the photos are like: a key of PHOTO_CONDITIONS

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.photos not in PHOTO_CONDITIONS:
            raise ValueError(f"photos must be one of {tuple(PHOTO_CONDITIONS)}, got {self.photos!r}")


# What the wizard asks ("What are your photos like?"): the label shown, and how training crops are
# degraded so the model learns to undo what such photos suffer (core.training.degradations).
PHOTO_CONDITIONS: dict[str, tuple[str, DegradationConfig | None]] = {
    "clean": ("Clean (raw camera files, PNG, high-quality JPEG)", None),
    "compressed": ("Compressed (phone or web JPEG)",
                   DegradationConfig(blur_prob=0.3, noise_prob=0.2, noise_sigma=(1.0, 6.0), jpeg_quality=(30, 90))),
    "noisy": ("Noisy (low light, high ISO)",
              DegradationConfig(noise_prob=0.9, noise_sigma=(3.0, 25.0), jpeg_quality=(60, 95))),
    "scanned": ("Scanned (prints, film)",
                DegradationConfig(blur_prob=0.9, blur_sigma=(0.5, 2.5), noise_prob=0.6, noise_sigma=(2.0, 10.0),
                                  jpeg_quality=(75, 95))),
}


def degradation_for(photos: str) -> DegradationConfig | None:
    return PHOTO_CONDITIONS[photos][1]


def describe_degradation(config: DegradationConfig | None) -> str:
    """The advanced settings' line: what training does to the crops, in numbers."""
    if config is None:
        return "LR crops: clean bicubic downscale"
    return (f"LR crops: blur {config.blur_prob:.0%} (sigma {config.blur_sigma[0]:g}-{config.blur_sigma[1]:g} px), "
            f"noise {config.noise_prob:.0%} (sigma {config.noise_sigma[0]:g}-{config.noise_sigma[1]:g} levels), "
            f"JPEG quality {config.jpeg_quality[0]}-{config.jpeg_quality[1]}, "
            f"second pass {config.second_order:.0%}")


@dataclass(frozen=True)
class Recommended:
    steps: int
    batch_size: int
    crop_size: int


def recommended_settings(device_key: str) -> Recommended:
    """Defaults that finish in a reasonable time on the user's hardware (minutes on a CPU)."""
    kind = device_key.split(":")[0]
    if kind == "auto":
        from core.common.devices import choose_device
        kind = choose_device("auto", "fp32").device.type
    if kind == "cuda":
        return Recommended(steps=10_000, batch_size=16, crop_size=96)
    if kind == "mps":
        return Recommended(steps=3_000, batch_size=16, crop_size=96)
    return Recommended(steps=500, batch_size=4, crop_size=96)


def report_intervals(steps: int) -> tuple[int, int, int]:
    """(val_every, checkpoint_every, preview_every): about 10 validations and 40 previews per run."""
    val_every = max(5, min(500, steps // 10))
    preview_every = max(5, min(250, steps // 40))
    return val_every, val_every, preview_every


def base_generator_config(base_model: Path | None):
    """The architecture a fine-tune trains: the base model's own, or the paper's SRResNet."""
    from core.nets.config import GeneratorConfig
    if base_model is None:
        return GeneratorConfig()
    from core.models.model_file import ModelFileError, read_model_info
    try:
        return read_model_info(base_model).arch_config
    except ModelFileError as exc:  # one kind of error for "these choices cannot be used"
        raise ValueError(f"the base model cannot be used: {exc}") from None


def build_train_config(choices: FineTuneChoices, out_dir: Path,
                       overrides: dict[str, Any] | None = None):
    """The `TrainConfig` for the user's choices; `overrides` (tests: tiny networks) apply last."""
    from core.training.config import TrainConfig

    val_every, checkpoint_every, preview_every = report_intervals(choices.steps)
    config = TrainConfig(
        data_dir=choices.data_dir, val_count=max(1, choices.val_count), phase=MODE_PHASE[choices.mode],
        generator=base_generator_config(choices.base_model), content_loss="vgg54",
        steps=choices.steps, batch_size=choices.batch_size, crop_size=choices.crop_size, lr=choices.lr,
        ema=choices.ema, device=choices.device, precision=choices.precision,
        val_every=val_every, checkpoint_every=checkpoint_every, preview_every=preview_every,
        seed=choices.seed, init_from=choices.base_model, vgg_weights=choices.vgg_weights,
        out_dir=Path(out_dir), degradation=degradation_for(choices.photos))
    if overrides:
        config = replace(config, **overrides)
    return config


def new_run_dir() -> Path:
    """A fresh folder for one fine-tune's checkpoints, in the user's data folder."""
    root = user_data_dir() / "finetune" / "runs"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    return folder


def estimate_text(seconds_per_step: float, steps: int, device_words: str = "") -> str:
    """The goal page's estimate, from a measured step time (validation adds about 10%)."""
    total = seconds_per_step * steps * 1.1
    where = f" on {device_words}" if device_words else ""
    return (f"About {format_duration(total)}{where} "
            f"(measured {seconds_per_step:.2f} s per step x {steps:,} steps).")
