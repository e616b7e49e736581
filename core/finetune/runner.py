"""Training a fine-tune run of the store, with its record kept up to date as it goes.

    run = create_run(choices, recipe, plan, title)                # core.finetune.runs
    done = drain(run_finetune(run, control), on_event)           # the trainer's events, as they come

`run_finetune` is the trainer (`core.training.trainer.train`) on the run's settings, holding the
run's lock (so others see it is running) and writing what happens into its record: every
validation into the scoreboard, the base model's and bicubic's scores, each resumable checkpoint's
step, the loss history (downsampled, `core.finetune.history`), the latest preview crop as
preview.png. It yields the trainer's events unchanged (the GUI's charts and the CLI's progress bar
read them) and returns `FineTuneDone` with the run's final record and the selection.

How it ends, in the record: trained to the last step -> "kept" (waiting to be named:
`core.finetune.finish.finish_run`); cancelled -> "interrupted" (`Cancelled` is re-raised; a
caller whose user chose to stop marks it "kept"); failed -> "interrupted" with the reason in
`message` (`TrainingError` re-raised). A run killed outright stays "running" with a free lock,
which the store lists as interrupted.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.common.atomic import write_bytes_atomically
from core.common.events import NEVER_CANCELLED, Cancelled, Control, Event, tap
from core.finetune.history import LossRecorder
from core.finetune.runs import (
    PREVIEW_NAME,
    RunLock,
    RunRecord,
    Score,
    mark,
    save_run,
)
from core.finetune.speed import note_run_speed
from core.training.events import (
    CheckpointSaved,
    DivergenceDetected,
    PreviewReady,
    StepDone,
    TrainingError,
    TrainingFailed,
    TrainingFinished,
    ValidationDone,
)
from core.training.selection import Selection

MIN_TIMED_STEPS = 5            # a run's own step time replaces the cached measurement from this many on
PAUSE_FACTOR = 5.0             # a step interval this many times the median one had a pause in it


@dataclass(frozen=True)
class FineTuneDone:
    run: RunRecord                  # the final record ("kept": trained, waiting to be named)
    finished: TrainingFinished
    selection: Selection            # what finishing would export, or why nothing


def run_finetune(run: RunRecord, control: Control = NEVER_CANCELLED, resume: bool | None = None
                 ) -> Generator[Event, None, FineTuneDone]:
    """Train `run` (resume: from its last.ckpt; None: when there is one), keeping its record."""
    from core.training.trainer import train

    config = run.train_config()
    resume = run.last_checkpoint.is_file() if resume is None else resume
    with RunLock(run):
        notes = _Notes(mark(run, "running"), resume)
        try:
            finished = yield from tap(train(config, control, resume), notes.take)
        except (Cancelled, GeneratorExit):
            notes.end("interrupted", "stopped before its last step")
            raise
        except TrainingError as exc:
            notes.end("interrupted", notes.failure or str(exc))
            raise
        except BaseException as exc:
            notes.end("interrupted", f"stopped by an unexpected error ({type(exc).__name__})")
            raise
        run = notes.end("kept", "", finished)
    if notes.step_seconds:
        note_run_speed(config, notes.typical_step_seconds())
    return FineTuneDone(run, finished, run.selection())


class _Notes:
    """The record of a running fine-tune, updated from the trainer's events."""

    def __init__(self, run: RunRecord, resume: bool) -> None:
        self.run = run
        self.losses = LossRecorder(run.losses)
        self.losses.truncate_after(run.last_step if resume else 0)
        if not resume:
            self.run = save_run(replace(run, scoreboard=(), last_step=0, best_step=None, losses=self.losses.history()))
        self.failure = ""
        self.step_seconds: list[float] = []
        self._last_step_at: float | None = None

    def take(self, event: Event) -> None:
        now = time.perf_counter()
        if isinstance(event, StepDone):
            if self._last_step_at is not None:          # only steps with nothing else between them
                self.step_seconds.append(now - self._last_step_at)
            self._last_step_at = now
            self.losses.add(event.step, event.losses)
            return
        self._last_step_at = None
        if isinstance(event, ValidationDone):
            self._validated(event)
        elif isinstance(event, CheckpointSaved):
            self._checkpoint(event)
        elif isinstance(event, PreviewReady):
            self._preview(event)
        elif isinstance(event, DivergenceDetected):
            self.losses.truncate_after(event.rolled_back_to)
        elif isinstance(event, TrainingFailed):
            self.failure = event.message

    def _validated(self, e: ValidationDone) -> None:
        base = Score(0, e.base_psnr, e.base_ssim, e.base_niqe) if e.base_psnr is not None else self.run.base
        rows = [s for s in self.run.scoreboard if s.step < e.step] + [Score(e.step, e.psnr, e.ssim, e.niqe)]
        self._save(scoreboard=tuple(rows), base=base, bicubic=Score(0, e.bicubic_psnr, e.bicubic_ssim, e.bicubic_niqe))

    def _checkpoint(self, e: CheckpointSaved) -> None:
        if e.best:
            self._save(best_step=e.step)
        else:
            self._save(last_step=e.step)

    def _preview(self, e: PreviewReady) -> None:
        from PIL import Image
        buffer = io.BytesIO()
        Image.fromarray(np.round(np.clip(e.sr, 0, 1) * 255).astype(np.uint8)).save(buffer, format="PNG")
        write_bytes_atomically(self.run.folder / PREVIEW_NAME, buffer.getvalue())
        self._save(preview=PREVIEW_NAME, preview_step=e.step)

    def _save(self, **changes) -> None:
        self.run = save_run(replace(self.run, losses=self.losses.history(), **changes))

    def end(self, state: str, message: str, finished: TrainingFinished | None = None) -> RunRecord:
        """Write the final state; never raises (the run's own error is the one to report)."""
        changes: dict[str, Any] = {"state": state, "message": message, "losses": self.losses.history()}
        if finished is not None:
            changes.update(last_step=finished.steps, seconds=finished.seconds,
                           best_step=finished.best_step if finished.best_step is not None else self.run.best_step)
        try:
            self.run = save_run(replace(self.run, **changes))
        except OSError:
            pass
        return self.run

    def typical_step_seconds(self) -> float:
        """The mean step time seen, what a budget must plan with (steps right after a validation or
        checkpoint are left out, and so are pauses: intervals over PAUSE_FACTOR x the median). Not
        the median: on a shared computer steps come fast and slow, and the slow ones take the time."""
        if len(self.step_seconds) < MIN_TIMED_STEPS:
            return 0.0
        limit = PAUSE_FACTOR * statistics.median(self.step_seconds)
        return statistics.fmean(s for s in self.step_seconds if s <= limit)

