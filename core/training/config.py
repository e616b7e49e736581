"""The training run's settings: one frozen dataclass with the paper's defaults (Ledig et al. 2017).

Phase "mse" trains SRResNet with pixel MSE; phase "gan" trains SRGAN from phase-1 weights
(`init_from`) with content loss + 1e-3 * adversarial loss, alternating D and G updates.
`to_dict`/`from_dict` round-trip through plain JSON types, so a checkpoint can carry the
config it was made with and `--resume` can check the run still matches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from core.common.settings import refuse_unknown_fields
from core.nets.config import DiscriminatorConfig, GeneratorConfig
from core.training.degradations import DegradationConfig
from core.training.selection import GOALS, SelectionRule

PHASES = ("mse", "gan")
CONTENT_LOSSES = ("vgg54", "vgg22", "vgg54-pre", "mse")
TEXTURE_ON = ("rgb", "luma")
TRAIN_PRECISIONS = ("auto", "fp32", "bf16", "fp16")
BEST_BY = ("auto", *GOALS)

# Settings a resumed run may change: bookkeeping, and the schedule's length (`steps`, `lr_drop_at`),
# which resume re-applies to the loaded schedulers.
RESUMABLE_CHANGES = frozenset({
    "best_by", "steps", "device", "precision", "val_every", "checkpoint_every", "preview_every", "num_workers",
    "out_dir", "data_dir", "val_dir", "vgg_weights", "init_from", "lr_drop_at",
})


@dataclass(frozen=True)
class GanLosses:
    """The GAN phase's generator loss mix (`core.training.steps.gan_step`)."""

    adversarial_weight: float = 1e-3
    pixel_weight: float = 0.0
    chroma_weight: float = 0.0
    texture_on_luma: bool = False
    lattice_weight: float = 0.0


_PATH_FIELDS = ("data_dir", "val_dir", "init_from", "vgg_weights", "out_dir")


@dataclass(frozen=True)
class TrainConfig:
    data_dir: Path
    val_dir: Path | None = None          # None: hold out `val_count` images of data_dir
    val_count: int = 5
    # The held-out photos by name (relative to data_dir, "/"-separated); when given they replace the
    # `val_count` draw, so whoever chose them (the fine-tune's one hold-out rule) is what the run uses.
    val_files: tuple[str, ...] = ()
    phase: str = "mse"                   # "mse" (SRResNet) or "gan" (SRGAN)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    content_loss: str = "vgg54"          # gan phase: "vgg54" | "vgg22" | "vgg54-pre" (before the ReLU) | "mse"
    adversarial_weight: float = 1e-3
    pixel_weight: float = 0.0            # gan phase: + this x L1(SR, HR), an anchor for colour and low frequencies
    # gan phase: what D and the content loss see. "luma": grey SR and HR, so chroma answers to the
    # pixel term alone (an RGB GAN paints colour speckle over grey surfaces, issue 14).
    texture_on: str = "rgb"
    # gan phase: + this x L1 on chroma (Cb, Cr) of SR against HR, on top of the pixel term: colour the
    # texture losses do not steer drifts into speckle as the shared weights learn grey detail (issue 14).
    chroma_weight: float = 0.0
    # gan phase: + this x the period-4 pattern in the luma error (core.training.lattice_loss): the grid
    # the VGG loss draws and D learns to ignore (issue 14).
    lattice_weight: float = 0.0
    steps: int = 100_000
    batch_size: int = 16                 # per process (torchrun multiplies it by the world size)
    crop_size: int = 96                  # HR crop edge; LR crops are crop_size / scale
    photo_scale: float = 1.0             # shrink every photo (training and validation) by this factor first
    min_crop_detail: float = 0.0         # redraw crops flatter than this (core.training.data.crop_detail); 0: off
    freeze_batchnorm: bool = False       # keep the start model's BatchNorm statistics (core.training.batchnorm)
    # None: LR is the clean bicubic downscale (the papers'); else the real-world chain of
    # core.training.degradations, for training and validation alike.
    degradation: DegradationConfig | None = None
    lr: float = 1e-4
    beta1: float = 0.9
    # Fraction of steps where lr drops 10x; None: 0.5 for gan (paper), never for mse.
    lr_drop_at: float | None = None
    ema: bool | None = None              # None = on in the gan phase, off in mse
    # What best.ckpt keeps (core.training.selection): "psnr", "niqe" (NIQE is then measured at each
    # validation), "latest"; "auto" is "psnr" for mse and "latest" for gan.
    best_by: str = "auto"
    ema_decay: float = 0.999
    device: str = "auto"
    precision: str = "auto"              # auto: fp16 autocast on CUDA, bf16 on CPUs with bf16 units
    val_every: int = 500
    checkpoint_every: int = 500
    preview_every: int = 250
    seed: int = 0
    num_workers: int | None = None       # None: picked from the CPU count
    init_from: Path | None = None        # model file or checkpoint to start G from
    vgg_weights: Path | None = None
    out_dir: Path = Path("runs/default")
    # A GAN whose D(fake) stays below `collapse_threshold` (or above 1 - it) for
    # `collapse_window` consecutive steps is rolled back to the last good checkpoint.
    collapse_window: int = 2000
    collapse_threshold: float = 0.005
    max_rollbacks: int = 3

    def __post_init__(self) -> None:
        for name in _PATH_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        if self.phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {self.phase!r}")
        if self.content_loss not in CONTENT_LOSSES:
            raise ValueError(f"content_loss must be one of {CONTENT_LOSSES}, got {self.content_loss!r}")
        if self.texture_on not in TEXTURE_ON:
            raise ValueError(f"texture_on must be one of {TEXTURE_ON}, got {self.texture_on!r}")
        if self.precision not in TRAIN_PRECISIONS:
            raise ValueError(f"precision must be one of {TRAIN_PRECISIONS}, got {self.precision!r}")
        if self.best_by not in BEST_BY:
            raise ValueError(f"best_by must be one of {BEST_BY}, got {self.best_by!r}")
        object.__setattr__(self, "val_files", _relative_names(self.val_files))
        self._check_numbers()
        if self.discriminator.crop_size != self.crop_size:
            # D's dense layer is sized for the HR crop, so the crop decides it.
            object.__setattr__(self, "discriminator", replace(self.discriminator, crop_size=self.crop_size))

    def _check_numbers(self) -> None:
        positive = ("steps", "batch_size", "val_every", "checkpoint_every", "preview_every",
                    "collapse_window", "val_count")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        scale = self.generator.scale
        if self.crop_size % 16 or self.crop_size < 16 or self.crop_size % scale:
            raise ValueError(f"crop_size must be a multiple of 16 and of the scale, got {self.crop_size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not 0 <= self.beta1 < 1:
            raise ValueError(f"beta1 must be in [0, 1), got {self.beta1}")
        if not 0 < self.photo_scale <= 1 or self.min_crop_detail < 0:
            raise ValueError(f"photo_scale must be in (0, 1] and min_crop_detail >= 0, "
                             f"got {self.photo_scale}, {self.min_crop_detail}")
        if self.lr_drop_at is not None and not 0 < self.lr_drop_at <= 1:
            raise ValueError(f"lr_drop_at must be in (0, 1], got {self.lr_drop_at}")
        if not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        if self.adversarial_weight < 0:
            raise ValueError(f"adversarial_weight must not be negative, got {self.adversarial_weight}")
        if self.pixel_weight < 0 or self.chroma_weight < 0 or self.lattice_weight < 0:
            raise ValueError(f"pixel_weight, chroma_weight and lattice_weight must not be negative, "
                             f"got {self.pixel_weight}, {self.chroma_weight}, {self.lattice_weight}")
        if not 0 < self.collapse_threshold < 0.5:
            raise ValueError(f"collapse_threshold must be in (0, 0.5), got {self.collapse_threshold}")
        if self.max_rollbacks < 0 or (self.num_workers is not None and self.num_workers < 0):
            raise ValueError("max_rollbacks and num_workers must not be negative")

    @property
    def use_ema(self) -> bool:
        return self.phase == "gan" if self.ema is None else self.ema

    @property
    def scale(self) -> int:
        return self.generator.scale

    @property
    def selection_rule(self) -> SelectionRule:
        goal = self.best_by if self.best_by != "auto" else ("psnr" if self.phase == "mse" else "latest")
        return SelectionRule(goal)

    @property
    def uses_vgg(self) -> bool:
        return self.phase == "gan" and self.content_loss != "mse"

    @property
    def lr_drop_step(self) -> int | None:
        """The step where the lr drops 10x, or None for a constant lr.

        The paper drops it halfway through the gan phase and keeps it constant for SRResNet; a short
        mse run (a CPU budget) gains from a late drop, so `lr_drop_at` may ask for one there too.
        """
        fraction = self.lr_drop_at if self.lr_drop_at is not None else (0.5 if self.phase == "gan" else None)
        return None if fraction is None else max(1, int(round(self.steps * fraction)))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _PATH_FIELDS:
            data[name] = None if data[name] is None else str(data[name])
        data["degradation"] = None if self.degradation is None else self.degradation.to_dict()
        return data

    def gan_losses(self) -> GanLosses:
        return GanLosses(self.adversarial_weight, self.pixel_weight, self.chroma_weight, self.texture_on == "luma",
                         self.lattice_weight)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        refuse_unknown_fields(cls, data, "training settings")
        values = dict(data)
        if "generator" in values:
            values["generator"] = GeneratorConfig.from_dict(values["generator"])
        if "discriminator" in values:
            values["discriminator"] = DiscriminatorConfig.from_dict(values["discriminator"])
        if values.get("degradation") is not None:
            values["degradation"] = DegradationConfig.from_dict(values["degradation"])
        return cls(**values)


def _relative_names(names: object) -> tuple[str, ...]:
    """`val_files` as a tuple of relative names; one that climbs out of data_dir is refused."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"val_files must be a list of names, got {names!r}")
    for name in names:
        if (not isinstance(name, str) or not name or PurePosixPath(name).is_absolute()
                or PureWindowsPath(name).drive or ".." in name.replace("\\", "/").split("/")):
            raise ValueError(f"val_files must name photos inside data_dir, got {name!r}")
    return tuple(names)


def config_differences(saved: TrainConfig, current: TrainConfig) -> list[str]:
    """Settings that change what is learnt, where a checkpoint's run and the current one differ."""
    old, new = saved.to_dict(), current.to_dict()
    return sorted(k for k in old if k not in RESUMABLE_CHANGES and old[k] != new.get(k))
