"""Events a training run yields (see `core.common.events` for the event-stream convention).

Arrays in `PreviewReady` are HxWx3 float32 in [0, 1]; every message is plain words for the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.common.events import Event


class TrainingError(Exception):
    """A run that cannot start or cannot go on; the message is one line meant for the user."""


@dataclass(frozen=True)
class TrainingStarted(Event):
    start_step: int                 # > 0 when resuming
    total_steps: int
    train_images: int
    val_images: int
    device: str
    precision: str
    world_size: int = 1
    skipped: tuple[tuple[Path, str], ...] = ()   # data images left out, with why


@dataclass(frozen=True)
class StepDone(Event):
    step: int                       # steps completed so far (1-based after the first step)
    total_steps: int
    losses: dict[str, float]        # "g_content", "g_adversarial", "g_total", "d" (gan) or "mse"
    d_real: float | None            # mean sigmoid(D(real)), gan phase only
    d_fake: float | None
    lr: float
    steps_per_second: float
    eta_seconds: float


@dataclass(frozen=True)
class ValidationDone(Event):
    step: int
    psnr: float
    ssim: float
    bicubic_psnr: float
    bicubic_ssim: float
    base_psnr: float | None         # the init_from model's PSNR on the same images
    base_ssim: float | None = None
    # NIQE (lower = more natural), when the run's selection rule asks for it (`TrainConfig.best_by`
    # "niqe") and the held-out photos hold a 96 px block; else None.
    niqe: float | None = None
    base_niqe: float | None = None
    bicubic_niqe: float | None = None


@dataclass(frozen=True)
class PreviewReady(Event):
    step: int
    lr: np.ndarray = field(repr=False, compare=False)
    sr: np.ndarray = field(repr=False, compare=False)
    hr: np.ndarray = field(repr=False, compare=False)
    base_sr: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class CheckpointSaved(Event):
    step: int
    path: Path
    best: bool


@dataclass(frozen=True)
class DivergenceDetected(Event):
    step: int
    reason: str                     # plain words
    rolled_back_to: int             # the step of the checkpoint training goes on from


@dataclass(frozen=True)
class TrainingFinished(Event):
    steps: int
    seconds: float
    best_checkpoint: Path
    last_checkpoint: Path
    best_psnr: float | None
    best_step: int | None = None    # the step `best_checkpoint` holds (0: the starting weights won)


@dataclass(frozen=True)
class TrainingFailed(Event):
    message: str
    last_good_checkpoint: Path | None
