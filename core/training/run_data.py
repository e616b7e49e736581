"""The run's data: training crops in a resumable order, held-out validation images and a preview crop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core.common.errors import reason_without_name
from core.common.events import NEVER_CANCELLED, Control
from core.imageio.bicubic import bicubic_downscale, quantize_8bit
from core.imageio.files import ImageReadError
from core.training.config import TrainConfig
from core.training.data import CropDataset, load_validation_images, scan_folder, split_validation
from core.training.distributed import DistContext
from core.training.events import TrainingError

# Validation runs on whole held-out images up to this HR edge (centre crop beyond it), so a
# folder of 24-megapixel photos does not need gigabytes of activations on every validation.
VAL_MAX_SIDE = 512
PREVIEW_SIDE = 192


@dataclass
class RunData:
    dataset: CropDataset
    val_pairs: list[tuple[np.ndarray, np.ndarray]]          # (lr, hr) HxWx3 float32 [0, 1]
    preview: tuple[np.ndarray, np.ndarray] | None            # (lr, hr) crop of a held-out image
    skipped: list[tuple[Path, str]] = field(default_factory=list)


class StepSamples(torch.utils.data.Sampler):
    """Sample keys (seed, k) for this process from step `start_step` on, forever.

    Step s of a run with W processes and batch B uses samples (s*W + r)*B ... +B-1 on rank r,
    so the order depends only on (seed, step): a resumed run sees exactly the same crops.
    """

    def __init__(self, seed: int, batch_size: int, start_step: int, ctx: DistContext) -> None:
        self.seed, self.batch_size, self.start_step, self.ctx = seed, batch_size, start_step, ctx

    def __iter__(self) -> Iterator[tuple[int, int]]:
        step, world, rank, b = self.start_step, self.ctx.world_size, self.ctx.rank, self.batch_size
        while True:
            first = (step * world + rank) * b
            for k in range(first, first + b):
                yield self.seed, k
            step += 1


def prepare_data(config: TrainConfig, control: Control = NEVER_CANCELLED) -> RunData:
    """Scan, split and decode; every unusable image is reported in `skipped`, none crash the run."""
    train_paths, val_paths, skipped = _split(config, control)
    try:
        dataset = CropDataset(train_paths, config.crop_size, config.scale, config.seed, control=control,
                              photo_scale=config.photo_scale, min_detail=config.min_crop_detail,
                              degradation=config.degradation)
    except ValueError as exc:
        raise TrainingError(f"{config.data_dir}: {exc}") from None
    skipped += dataset.skipped
    val_pairs = []
    for path in val_paths:
        try:
            pair = load_validation_images([path], config.scale, config.photo_scale, config.degradation,
                                          config.seed)[0]
            val_pairs.append(_bounded(*pair, config.scale))
        except ImageReadError as exc:
            skipped.append((path, reason_without_name(exc, path)))
    preview = _preview_crop(val_pairs[0][1], config.scale) if val_pairs else None
    return RunData(dataset, val_pairs, preview, skipped)


def batches(data: RunData, config: TrainConfig, start_step: int, ctx: DistContext,
            device: torch.device) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless (lr, hr) batches for this process, starting at `start_step`."""
    workers = config.num_workers
    if workers is None:
        workers = loader_workers(data.dataset.fully_cached, config.degradation is not None, usable_cpus())
    loader = torch.utils.data.DataLoader(
        data.dataset, batch_size=config.batch_size, sampler=StepSamples(config.seed, config.batch_size,
                                                                         start_step, ctx),
        num_workers=workers, drop_last=True, pin_memory=device.type == "cuda",
        persistent_workers=workers > 0)
    for lr, hr in loader:
        yield lr.to(device, non_blocking=True), hr.to(device, non_blocking=True)


def loader_workers(fully_cached: bool, degrading: bool, cpus: int) -> int:
    """How many loader processes keep data off the step's critical path.

    Fully cached clean crops are cheaper in-process. Decoding photos beyond the cache takes one worker.
    Degrading crops costs ~3 ms each (50 ms a batch of 16), several GPU steps of the bundled network, so
    it gets every core the step does not drive, up to MAX_DEGRADE_WORKERS; on 2 cores that is one.
    """
    if fully_cached and not degrading:
        return 0
    if not degrading:
        return 1
    return max(1, min(MAX_DEGRADE_WORKERS, cpus - 1))


MAX_DEGRADE_WORKERS = 6


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))      # what this process may use, not the host's count
    except AttributeError:                       # macOS, Windows
        return os.cpu_count() or 1


def _split(config: TrainConfig, control: Control) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    try:
        scan = scan_folder(config.data_dir, config.crop_size, control)
        skipped = list(scan.skipped)
        if config.val_dir is not None:
            val_scan = scan_folder(config.val_dir, max(16, 2 * config.scale + 11), control)
            skipped += val_scan.skipped
            return scan.usable, val_scan.usable, skipped
    except ValueError as exc:
        raise TrainingError(str(exc)) from None
    if not scan.usable:
        raise TrainingError(f"{config.data_dir}: no usable training images "
                            f"(need photos of at least {config.crop_size}x{config.crop_size} pixels; "
                            f"{len(skipped)} skipped)")
    if config.val_files:
        return _named_split(config, scan.usable, skipped)
    train, val = split_validation(scan.usable, config.val_count, config.seed)
    return train, val, skipped


def _named_split(config: TrainConfig, usable: list[Path], skipped: list[tuple[Path, str]]
                 ) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    """The photos `config.val_files` names are held out (even ones too small for a training crop);
    the others train. A named photo that has gone is reported, never silently replaced."""
    held = [config.data_dir / name for name in config.val_files]
    names = set(config.val_files)
    train = [p for p in usable if p.relative_to(config.data_dir).as_posix() not in names]
    missing = [p for p in held if not p.is_file()]
    skipped += [(p, "held-out photo no longer found") for p in missing]
    if not train:
        raise TrainingError(f"{config.data_dir}: no usable training images besides the held-out ones")
    return train, [p for p in held if p not in missing], skipped


def _bounded(lr: np.ndarray, hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """The centre of a large validation pair, at most VAL_MAX_SIDE HR pixels a side."""
    h, w = lr.shape[:2]
    side = VAL_MAX_SIDE // scale
    if h <= side and w <= side:
        return lr, hr
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    lr = lr[top:top + side, left:left + side]
    hr = hr[top * scale:(top + side) * scale, left * scale:(left + side) * scale]
    return np.ascontiguousarray(lr), np.ascontiguousarray(hr)


def _preview_crop(hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    side = min(PREVIEW_SIDE, hr.shape[0], hr.shape[1])
    side -= side % scale
    top, left = (hr.shape[0] - side) // 2, (hr.shape[1] - side) // 2
    hr_crop = np.ascontiguousarray(hr[top:top + side, left:left + side])
    lr_crop = quantize_8bit(np.clip(bicubic_downscale(hr_crop, scale), 0, 1))
    return lr_crop, hr_crop
