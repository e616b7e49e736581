"""Training SRResNet (phase "mse") and SRGAN (phase "gan") as a stream of events.

    finished = drain(train(TrainConfig(data_dir=Path("photos"))), print)

What a run leaves in `config.out_dir`: `last.ckpt` (everything needed to resume exactly:
networks, optimisers, schedulers, EMA, step, RNG states; data order is a pure function of
seed and step) and `best.ckpt` (the generator the run's selection rule, `core.training.selection`,
keeps: by default the best validation PSNR for mse and the latest validated for gan; the starting
weights are saved as it at step 0 and stay it until a validation beats them).

Failure policy (see `core.training.divergence`):
  * a NaN/inf loss stops the run: `TrainingFailed` is yielded and `TrainingError` raised; the
    last good `last.ckpt` is kept (the broken state is never written);
  * a collapsed discriminator rolls back to `last.ckpt` (only written while D looks healthy)
    and goes on at half the learning rate (`DivergenceDetected`); after `max_rollbacks` the
    run stops as above.
Cancel (`control.cancel()`, or closing the generator) writes a final `last.ckpt` at a step
boundary, so `train(config, resume=True)` carries on later; `best.ckpt` is kept.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.common.atomic import remove_stale_partials
from core.common.devices import choose_device
from core.common.errors import first_line
from core.common.events import NEVER_CANCELLED, Cancelled, Control, Event
from core.nets.srresnet import SRResNet
from core.training import distributed
from core.training.checkpoint import (
    BEST_NAME,
    LAST_NAME,
    CheckpointError,
    capture_rng,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)
from core.training.config import TrainConfig, config_differences
from core.training.divergence import CollapseMonitor, non_finite_reason
from core.training.events import (
    CheckpointSaved,
    DivergenceDetected,
    PreviewReady,
    StepDone,
    TrainingError,
    TrainingFailed,
    TrainingFinished,
    TrainingStarted,
    ValidationDone,
)
from core.training.export import export_model  # noqa: F401  (public API lives here too)
from core.training.run_data import RunData, batches, prepare_data
from core.training.selection import Candidate, beats
from core.training.setup import (
    TrainingSetup,
    build_content_loss,
    build_setup,
    load_init_generator,
    load_init_weights,
    resolve_precision,
)
from core.training.steps import StepStats, gan_step, mse_step
from core.training.timing import measure_step_time  # noqa: F401  (public API lives here too)
from core.training.validation import score_bicubic, score_model, super_resolve

__all__ = ["train", "export_model", "measure_step_time", "TrainingError"]


def train(config: TrainConfig, control: Control = NEVER_CANCELLED, resume: bool = False
          ) -> Generator[Event, None, TrainingFinished]:
    """Train per `config`; with `resume`, carry on from `out_dir/last.ckpt` exactly."""
    return (yield from _Run(config, control).run(resume))


class _Run:
    def __init__(self, config: TrainConfig, control: Control) -> None:
        self.config, self.control = config, control
        self.last_path = config.out_dir / LAST_NAME
        self.best_path = config.out_dir / BEST_NAME
        self.step = 0
        self.saved_step: int | None = None      # step of the last.ckpt on disk, if any
        self.best_psnr: float | None = None
        self.best: Candidate | None = None      # what best.ckpt holds, under config.selection_rule
        self.metrics: dict[str, float] = {}
        self.validations: list[dict[str, float]] = []   # every check's scores: the perception-distortion curve
        self.seconds_before = 0.0
        self.lr_scale = 1.0
        self.rollbacks = 0
        self.monitor = CollapseMonitor(config.collapse_window, config.collapse_threshold)
        self._setup: TrainingSetup | None = None   # built by _prepare
        self.broken = False                     # weights went non-finite: never save them

    # ----- life cycle -----------------------------------------------------------------------
    def run(self, resume: bool) -> Generator[Event, None, TrainingFinished]:
        self._prepare(resume)
        yield self._started_event()
        try:
            yield from self._loop()
        except Cancelled:
            saved = self._save_on_stop()
            if saved is not None:
                yield saved
            raise
        except GeneratorExit:
            self._save_on_stop()                # the consumer stopped listening: save quietly
            raise
        return TrainingFinished(self.step, self._seconds(), self.best_path, self.last_path, self.best_psnr,
                                self.best.step if self.best is not None else None)

    def _prepare(self, resume: bool) -> None:
        c = self.config
        self.session_start = time.monotonic()
        try:
            device = choose_device(c.device, "fp32").device
        except ValueError as exc:
            raise TrainingError(str(exc)) from None
        self.ctx = distributed.from_environment(device)
        self.device = distributed.local_device(device, self.ctx)
        self.precision = resolve_precision(c.precision, self.device)
        if self.ctx.is_main:
            remove_stale_partials(c.out_dir)    # a checkpoint write killed half-way, in an earlier run
        state = self._resume_state() if resume else None
        self.data: RunData = prepare_data(c, self.control)
        start = c.init_from if state is None else None      # a resumed run has its own weights
        init, init_d = load_init_weights(start, c) if start else (None, None)
        self._setup = build_setup(c, self.device, self.precision, self.ctx,
                                 build_content_loss(c, self.device), init, init_d)
        self._score_baselines()
        if state is not None:
            self._restore(state)
        else:
            c.out_dir.mkdir(parents=True, exist_ok=True)
            self._save_last()                   # step 0: something good to roll back to

    @property
    def setup(self) -> TrainingSetup:
        """The networks, optimisers and schedulers; there once `_prepare` has run."""
        if self._setup is None:
            raise RuntimeError("the training run is not prepared yet")
        return self._setup

    def _resume_state(self) -> dict[str, Any]:
        try:
            state = load_checkpoint(self.last_path)
            saved = TrainConfig.from_dict(state["config"])
        except CheckpointError as exc:
            raise TrainingError(f"cannot resume: {exc}") from None
        except (ValueError, TypeError) as exc:
            raise TrainingError(f"cannot resume: {self.last_path.name} has unreadable settings ({exc})") from None
        if state.get("kind") != "last":
            raise TrainingError(f"cannot resume from {self.last_path.name}: it holds no optimiser state")
        differences = config_differences(saved, self.config)
        if differences:
            raise TrainingError(f"cannot resume: the run in {self.config.out_dir} used different settings "
                                f"({', '.join(differences)}); use the same settings or another folder")
        return state

    def _started_event(self) -> TrainingStarted:
        return TrainingStarted(self.step, self.config.steps, len(self.data.dataset), len(self.data.val_pairs),
                               str(self.device), self.precision.name, self.ctx.world_size,
                               tuple(self.data.skipped))

    # ----- the loop -------------------------------------------------------------------------
    def _loop(self) -> Generator[Event, None, None]:
        c = self.config
        stream = batches(self.data, c, self.step, self.ctx, self.device)
        rate = _Rate()
        if self.step == 0:
            yield from self._validate()
        while self.step < c.steps:
            self._poll_control()
            lr, hr = next(stream)
            try:
                stats = self._train_step(lr, hr)
            except torch.OutOfMemoryError:
                raise TrainingError(f"out of memory on {self.device} at batch size {c.batch_size}, crop "
                                    f"{c.crop_size}: lower one of them and start a new run") from None
            losses, d_real, d_fake = self._synced(stats)
            reason = non_finite_reason(losses)
            if reason:
                yield from self._fail(f"Training stopped at step {self.step + 1}: {reason}.")
            self._after_step()
            yield StepDone(self.step, c.steps, losses, d_real, d_fake, self._lr(),
                           *rate.update(self.step, c.steps))
            collapse = self.monitor.update(d_fake)
            if collapse:
                yield from self._rollback(collapse)
                stream = batches(self.data, c, self.step, self.ctx, self.device)
                continue
            yield from self._periodic()
        self._sync_buffers()

    def _sync_buffers(self) -> None:
        s = self.setup
        modules: list[torch.nn.Module] = [s.plain_generator]
        if s.plain_discriminator is not None:
            modules.append(s.plain_discriminator)
        if s.ema is not None:
            modules.append(s.ema.model)
        distributed.broadcast_buffers(modules, self.ctx)

    def _train_step(self, lr: torch.Tensor, hr: torch.Tensor) -> StepStats:
        s, p = self.setup, self.precision
        lr, hr = p.prepare(lr), p.prepare(hr)
        if self.config.phase == "gan":
            return gan_step(s.nets, lr, hr, p, self.config.gan_losses())
        return mse_step(s.nets, lr, hr, p)

    def _synced(self, stats: StepStats) -> tuple[dict[str, float], float | None, float | None]:
        """Losses and D outputs averaged over processes, so every process decides alike."""
        if not self.ctx.enabled:
            return stats.losses, stats.d_real, stats.d_fake
        names = list(stats.losses)
        values = [stats.losses[n] for n in names] + [stats.d_real or 0.0, stats.d_fake or 0.0]
        mean_tensor = distributed.all_mean(torch.tensor(values, dtype=torch.float64, device=self.device), self.ctx)
        mean: list[float] = mean_tensor.tolist()
        gan = stats.d_fake is not None
        return dict(zip(names, mean)), (mean[-2] if gan else None), (mean[-1] if gan else None)

    def _after_step(self) -> None:
        s = self.setup
        if s.ema is not None:
            s.ema.update(s.plain_generator)
        s.g_scheduler.step()
        if s.d_scheduler is not None:
            s.d_scheduler.step()
        self.step += 1

    def _periodic(self) -> Generator[Event, None, None]:
        c, step, main = self.config, self.step, self.ctx.is_main
        last = step == c.steps
        if main and (step % c.val_every == 0 or last):
            yield from self._validate()
        preview = self.data.preview
        if main and preview is not None and (step % c.preview_every == 0 or last):
            yield self._preview(*preview)
        if step % c.checkpoint_every == 0 or last:
            # A checkpoint taken while D is drifting towards collapse is no place to roll back to.
            if main and (self.monitor.healthy or last):
                yield CheckpointSaved(step, self._save_last(), False)
            if last and not self.data.val_pairs and main:
                yield CheckpointSaved(step, self._save_best(), True)

    def _poll_control(self) -> None:
        """Pause blocks here; a cancel on any process stops every process at this same step."""
        stop = False
        try:
            self.control.checkpoint()
        except Cancelled:
            stop = True
        if self.ctx.enabled:
            flag = torch.tensor([1.0 if stop else 0.0], device=self.device)
            stop = bool(distributed.all_mean(flag, self.ctx).item() > 0)
        if stop:
            raise Cancelled()

    # ----- validation, preview ----------------------------------------------------------------
    def _score_baselines(self) -> None:
        c, pairs = self.config, self.data.val_pairs
        self.with_niqe = c.selection_rule.needs_niqe
        self.bicubic = score_bicubic(pairs, c.scale, self.with_niqe) if self.ctx.is_main else None
        self.base_scores, self.base_preview = None, None
        if c.init_from is None or not self.ctx.is_main:
            return
        base = SRResNet(c.generator)
        base.load_state_dict(load_init_generator(c.init_from, c))
        base = base.to(self.device).eval()
        self.base_scores = score_model(base, pairs, c.scale, self.with_niqe)
        if self.data.preview is not None:
            self.base_preview = super_resolve(base, self.data.preview[0])

    @property
    def base_psnr(self) -> float | None:
        return self.base_scores.psnr if self.base_scores is not None else None

    def _base_candidate(self) -> Candidate | None:
        b = self.base_scores
        return None if b is None else Candidate(0, b.psnr, b.ssim, b.niqe, is_base=True)

    def _validate(self) -> Generator[Event, None, None]:
        if not self.ctx.is_main:
            return
        scores = score_model(self.setup.eval_generator(), self.data.val_pairs, self.config.scale, self.with_niqe)
        bic, base = self.bicubic, self.base_scores
        if scores is None or bic is None:                  # no validation images
            return
        self.metrics = {"psnr": scores.psnr, "ssim": scores.ssim, "bicubic_psnr": bic.psnr,
                        "bicubic_ssim": bic.ssim, "val_images": len(self.data.val_pairs), "step": self.step}
        if base is not None:
            self.metrics.update(base_psnr=base.psnr, base_ssim=base.ssim)
        for name, value in (("niqe", scores.niqe), ("bicubic_niqe", bic.niqe),
                            ("base_niqe", base.niqe if base is not None else None)):
            if value is not None:
                self.metrics[name] = value
        self.validations = [v for v in self.validations if v["step"] < self.step]   # a rollback redoes checks
        self.validations.append({"step": self.step, "psnr": scores.psnr, "ssim": scores.ssim,
                                 **({"niqe": scores.niqe} if scores.niqe is not None else {})})
        yield ValidationDone(self.step, scores.psnr, scores.ssim, bic.psnr, bic.ssim, self.base_psnr,
                             base.ssim if base is not None else None, scores.niqe,
                             base.niqe if base is not None else None, bic.niqe)
        candidate, base_candidate = Candidate(self.step, scores.psnr, scores.ssim, scores.niqe), self._base_candidate()
        if self.step == 0:
            # The starting weights are the first thing kept: best.ckpt then always exists, and a run
            # that never beats them keeps them (the base model's own scores when there is one).
            self.best = base_candidate or Candidate(0, scores.psnr, scores.ssim, scores.niqe, is_base=True)
        elif beats(candidate, self.best, base_candidate, self.config.selection_rule):
            self.best = candidate
        else:
            return
        self.best_psnr = scores.psnr
        yield CheckpointSaved(self.step, self._save_best(), True)

    def _preview(self, lr: np.ndarray, hr: np.ndarray) -> PreviewReady:
        return PreviewReady(self.step, lr, super_resolve(self.setup.eval_generator(), lr), hr, self.base_preview)

    # ----- divergence -------------------------------------------------------------------------
    def _fail(self, message: str) -> Generator[Event, None, None]:
        self.broken = True
        kept = self.last_path if self.last_path.is_file() else None
        if kept is not None:
            message += (f" The last good checkpoint (step {self.saved_step or 0}) is kept;"
                        " lower the learning rate and resume.")
        yield TrainingFailed(message, kept)
        raise TrainingError(message)

    def _rollback(self, reason: str) -> Generator[Event, None, None]:
        failed_at = self.step
        self.rollbacks += 1
        if self.rollbacks > self.config.max_rollbacks:
            yield from self._fail(f"Training stopped at step {failed_at}: {reason}, and rolling back "
                                  f"{self.config.max_rollbacks} times did not help.")
        distributed.barrier(self.ctx)
        rollbacks, scale = self.rollbacks, self.lr_scale * 0.5
        kept = self.best, self.best_psnr          # best.ckpt on disk may be newer than last.ckpt
        self._restore(load_checkpoint(self.last_path))
        self.best, self.best_psnr = kept
        for optimizer in self._optimizers():
            for group in optimizer.param_groups:
                group["lr"] *= scale / self.lr_scale
        self.rollbacks, self.lr_scale = rollbacks, scale
        self.monitor.reset()
        yield DivergenceDetected(failed_at, f"Training went wrong at step {failed_at}: {reason}. It went back "
                                 f"to step {self.step} and carries on at half the learning rate.", self.step)

    # ----- checkpoints --------------------------------------------------------------------------
    def _optimizers(self) -> list[torch.optim.Optimizer]:
        nets = self.setup.nets
        return [nets.g_optimizer] + ([nets.d_optimizer] if nets.d_optimizer is not None else [])

    def _lr(self) -> float:
        return float(self.setup.nets.g_optimizer.param_groups[0]["lr"])

    def _seconds(self) -> float:
        return self.seconds_before + time.monotonic() - self.session_start

    def _weights_state(self, kind: str) -> dict[str, Any]:
        return {"kind": kind, "step": self.step, "config": self.config.to_dict(), "metrics": dict(self.metrics),
                "best_psnr": self.best_psnr, "best": _candidate_state(self.best), "seconds": self._seconds(),
                "validations": [dict(v) for v in self.validations],
                "device": str(self.device), **self.setup.weights_state()}

    def _full_state(self) -> dict[str, Any]:
        return {**self._weights_state("last"), **self.setup.optimisation_state(), "rng": capture_rng(),
                "lr_scale": self.lr_scale, "rollbacks": self.rollbacks, "collapse_streak": self.monitor.streak}

    def _save_last(self) -> Path:
        if self.ctx.is_main:
            save_checkpoint(self._full_state(), self.last_path)
        self.saved_step = self.step
        return self.last_path

    def _save_best(self) -> Path:
        return save_checkpoint(self._weights_state("best"), self.best_path)

    def _save_on_stop(self) -> CheckpointSaved | None:
        if self.broken or self._setup is None or not self.ctx.is_main:
            return None
        if not self.best_path.exists():
            self._save_best()
        if self.saved_step == self.step:
            return None
        return CheckpointSaved(self.step, self._save_last(), False)

    def _restore(self, state: dict[str, Any]) -> None:
        try:
            self.setup.load_state(state)
            self.setup.follow_lr_drop(self.config.lr_drop_step, int(state["step"]))
            restore_rng(state["rng"])
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise TrainingError(f"{self.last_path.name} does not match this run ({first_line(exc)})") from None
        self.step = self.saved_step = int(state["step"])
        self.best_psnr, self.metrics = state.get("best_psnr"), dict(state.get("metrics") or {})
        self.validations = [dict(v) for v in state.get("validations") or [] if isinstance(v, dict)]
        self.best = _candidate_from_state(state.get("best"), self.best_psnr)
        self.seconds_before = float(state.get("seconds", 0.0))
        self.session_start = time.monotonic()
        self.lr_scale, self.rollbacks = float(state.get("lr_scale", 1.0)), int(state.get("rollbacks", 0))
        self.monitor.streak = int(state.get("collapse_streak", 0))


def _candidate_state(candidate: Candidate | None) -> dict[str, Any] | None:
    return None if candidate is None else dataclasses.asdict(candidate)


def _candidate_from_state(state: Any, best_psnr: float | None) -> Candidate | None:
    """The kept candidate of a resumed run; checkpoints older than the selection rule only knew
    the best PSNR, which is what their best.ckpt held (its step is unknown, so a new one wins ties)."""
    if isinstance(state, dict):
        return Candidate(**state)
    return None if best_psnr is None else Candidate(-1, float(best_psnr))


class _Rate:
    """Steps per second over the recent past, and the time left at that pace."""

    def __init__(self, window: int = 50) -> None:
        self.marks: deque[tuple[float, int]] = deque(maxlen=window)

    def update(self, step: int, total: int) -> tuple[float, float]:
        self.marks.append((time.monotonic(), step))
        if len(self.marks) < 2:
            return 0.0, 0.0
        (t0, s0), (t1, s1) = self.marks[0], self.marks[-1]
        per_second = (s1 - s0) / max(t1 - t0, 1e-9)
        return per_second, (total - step) / per_second if per_second > 0 else 0.0
