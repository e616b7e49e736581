"""Timing what a training run spends its time on, on this machine, before the run: the time budget
of a fine-tune (`core.finetune.budget`) is planned from these numbers.

`time_training(config)` builds the run's real networks, optimisers and content loss, then times

  * training steps on random crops (a warm-up step first; then until `min_seconds` have passed,
    `min_steps` at least, `max_steps` at most), plus cutting a batch of crops from a photo the
    way the run's loader does (crop detail redraws, the degradation chain when the run uses one);
  * one validation of a synthetic 512 x 512 photo: the generator's forward pass, and the PSNR,
    SSIM (and NIQE, when the run's selection rule needs it) of the result, each per megapixel;
  * writing last.ckpt (networks, optimisers, RNG) and best.ckpt (weights only) to a temp folder.

The weights do not change what a step costs, so random data and random weights time it exactly;
decoding the user's photos, which depends on the folder, is left to the planner.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.common.devices import choose_device
from core.common.events import NEVER_CANCELLED, Control, Event, drain
from core.imageio.bicubic import bicubic_downscale
from core.training.checkpoint import capture_rng, save_checkpoint
from core.training.config import TrainConfig
from core.training.distributed import SINGLE_PROCESS
from core.training.events import TrainingError
from core.training.run_data import loader_workers, usable_cpus
from core.training.setup import TrainingSetup, build_content_loss, build_setup, load_init_generator, resolve_precision
from core.training.steps import gan_step, mse_step
from core.training.validation import score, super_resolve

VALIDATION_SIDE = 512           # HR pixels of the synthetic validation photo (VAL_MAX_SIDE)


@dataclass(frozen=True)
class TimingProgress(Event):
    """What the measurement is doing: a plain-words stage, and steps timed so far of at most `total`."""

    stage: str
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class Timings:
    seconds_per_step: float
    seconds_per_val_megapixel: float        # the generator's forward pass on held-out photos
    seconds_per_metric_megapixel: float     # PSNR + SSIM (+ NIQE) of one result
    seconds_per_checkpoint: float           # last.ckpt
    seconds_per_best: float                 # best.ckpt
    seconds_startup: float                  # networks, content loss and base weights ready
    device: str                             # e.g. "cpu", "cuda:0"
    precision: str                          # "fp32", "bf16", "fp16"


def time_training(config: TrainConfig, control: Control = NEVER_CANCELLED, min_steps: int = 3,
                  max_steps: int = 20, min_seconds: float = 3.0) -> Generator[TimingProgress, None, Timings]:
    """Time `config`'s step, validation and checkpoints here (see the module doc); cancellable."""
    start = time.perf_counter()
    yield TimingProgress("Preparing the networks")
    device = choose_device(config.device, "fp32").device
    precision = resolve_precision(config.precision, device)
    init = load_init_generator(config.init_from, config) if config.init_from else None
    setup = build_setup(config, device, precision, SINGLE_PROCESS, _timing_content_loss(config, device), init)
    startup = time.perf_counter() - start
    step = _StepTimer(config, setup, device)
    step.run()                                              # warm-up: allocations, kernel choice
    timed, elapsed = 0, 0.0
    while timed < max(1, min_steps) or (elapsed < min_seconds and timed < max_steps):
        control.checkpoint()
        elapsed += step.run()
        timed += 1
        yield TimingProgress("Timing training steps", timed, max(min_steps, max_steps))
    yield TimingProgress("Timing a validation")
    model_spm, metric_spm = _time_validation(setup, config)
    control.checkpoint()
    yield TimingProgress("Timing a checkpoint")
    with tempfile.TemporaryDirectory(prefix="srgan-timing-") as folder:
        last, best = _time_checkpoints(setup, config, Path(folder))
        data = _data_seconds(config, Path(folder))
    compute = elapsed / timed
    # Clean crops are cut in the training process (core.training.run_data.batches), degraded ones in
    # loader processes, which a GPU's step hides and a CPU's step competes with.
    overlapped = device.type != "cpu" and config.degradation is not None
    workers = loader_workers(True, config.degradation is not None, usable_cpus())
    per_step = max(compute, data / workers) if overlapped else compute + data
    return Timings(per_step, model_spm, metric_spm, last, best, startup, str(device), precision.name)


def measure_step_time(config: TrainConfig, steps: int = 3) -> float:
    """Seconds per training step of `config` on this machine (random data; one warm-up step first)."""
    return drain(time_training(config, min_steps=steps, max_steps=steps, min_seconds=0.0)).seconds_per_step


class _StepTimer:
    """One training step of the run's kind on a fixed random batch, timed to the device's end."""

    def __init__(self, config: TrainConfig, setup: TrainingSetup, device: torch.device) -> None:
        self.config, self.setup, self.device = config, setup, device
        side, channels = config.crop_size // config.scale, config.generator.channels
        generator = torch.Generator().manual_seed(0)
        p = setup.precision
        self.lr = p.prepare(torch.rand(config.batch_size, channels, side, side, generator=generator).to(device))
        self.hr = p.prepare(torch.rand(config.batch_size, channels, config.crop_size, config.crop_size,
                                       generator=generator).to(device))

    def run(self) -> float:
        setup, config = self.setup, self.config
        start = time.perf_counter()
        if config.phase == "gan":
            gan_step(setup.nets, self.lr, self.hr, setup.precision, config.gan_losses())
        else:
            mse_step(setup.nets, self.lr, self.hr, setup.precision)
        if setup.ema is not None:
            setup.ema.update(setup.plain_generator)
        _sync(self.device)
        return time.perf_counter() - start


def _time_validation(setup: TrainingSetup, config: TrainConfig) -> tuple[float, float]:
    """(forward seconds, metric seconds) per HR megapixel, from one smooth synthetic photo."""
    side = VALIDATION_SIDE - VALIDATION_SIDE % config.scale
    yy, xx = np.mgrid[0:side, 0:side] / side
    hr = np.stack([0.5 + 0.4 * np.sin(7 * xx + 3 * c) * np.cos(5 * yy) for c in range(3)], axis=2)
    hr = hr.astype(np.float32)
    lr = np.clip(bicubic_downscale(hr, config.scale), 0, 1).astype(np.float32)
    model = setup.eval_generator()
    super_resolve(model, lr[:16, :16])                      # warm-up at another size
    start = time.perf_counter()
    sr = super_resolve(model, lr)
    _sync(next(model.parameters()).device)
    forward = time.perf_counter() - start
    start = time.perf_counter()
    score(lambda _: sr, [(lr, hr)], config.scale, config.selection_rule.needs_niqe)
    metrics = time.perf_counter() - start
    megapixels = side * side / 1e6
    return forward / megapixels, metrics / megapixels


def _time_checkpoints(setup: TrainingSetup, config: TrainConfig, folder: Path) -> tuple[float, float]:
    weights = {"kind": "best", "step": 0, "config": config.to_dict(), **setup.weights_state()}
    full = {**weights, "kind": "last", **setup.optimisation_state(), "rng": capture_rng()}
    start = time.perf_counter()
    save_checkpoint(full, folder / "last.ckpt")
    last = time.perf_counter() - start
    start = time.perf_counter()
    save_checkpoint(weights, folder / "best.ckpt")
    return last, time.perf_counter() - start


def _data_seconds(config: TrainConfig, folder: Path) -> float:
    """Seconds to cut one batch of crops (and degrade their LR) the way the run's loader does, from a
    synthetic photo that is half flat and half textured, so `min_crop_detail` redraws about as
    often as on a typical photo."""
    from PIL import Image

    from core.training.data import CropDataset

    side = max(4 * config.crop_size, 256)
    rng = np.random.default_rng(0)
    photo = np.full((side, side, 3), 128.0)
    photo[:, side // 2:] += rng.normal(0, 40, (side, side - side // 2, 3))
    path = folder / "timing.png"
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(path)
    dataset = CropDataset([path], config.crop_size, config.scale, config.seed, min_detail=config.min_crop_detail,
                          degradation=config.degradation)
    start = time.perf_counter()
    torch.utils.data.default_collate([dataset[(config.seed, k)] for k in range(config.batch_size)])
    return time.perf_counter() - start


def _timing_content_loss(config: TrainConfig, device: torch.device) -> torch.nn.Module | None:
    """The run's content loss; without VGG weights, the same network with random weights (same cost)."""
    try:
        return build_content_loss(config, device)
    except TrainingError:
        from torchvision.models.vgg import cfgs, make_layers

        from core.training.vgg_loss import PerceptualLoss
        from core.training.vgg_weights import from_torchvision
        weights = from_torchvision(make_layers(cfgs["E"]).state_dict())
        return PerceptualLoss(layer=config.content_loss, weights=weights).to(device).eval()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
