"""Turns the trainer's event stream into chart points and the latest state for the training page.

Events arrive on the GUI thread as fast as the trainer makes them. Chart points are queued
in the charts (which repaint on their own timer); everything else is only remembered here,
and the page reads it on its 100 ms refresh tick. A resumed run's charts and scores start from
its record (`restore`), so the page looks as it did when the run stopped.

The pace (seconds per step) the time left is counted with is timed here, as the steps arrive:
the mean of the recent intervals between two steps with nothing else between them, so a check of
the held-out photos (which the time left counts on its own), a checkpoint or a pause is never
taken for slow steps; intervals over PAUSE_FACTOR times the median are left out too (the runner's
rule for a run's step time). Arrival times are late by the hand-over to the window, but by the
same amount on average, so the mean over many steps holds.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from core.common.events import DeviceChosen, Event
from core.common.formatting import format_duration
from core.finetune.runs import RunRecord, Score
from core.training.events import (
    DivergenceDetected,
    PreviewReady,
    StepDone,
    TrainingFailed,
    TrainingStarted,
    ValidationDone,
)
from srgan_desktop.finetune.chart import LiveChart

# The trainer's loss names -> (chart, series) on the training page.
LOSS_SERIES = {"mse": ("content", "content"), "g_content": ("content", "content"),
               "g_adversarial": ("adversarial", "adversarial"), "d": ("adversarial", "d_loss")}
PACE_WINDOW = 100              # the recent step intervals the pace is the mean of
MIN_INTERVALS = 3              # before this many, the plan's step time is the one to trust
PAUSE_FACTOR = 5.0


class EventRouter:
    """Feeds the charts and keeps the latest step, preview, notice and validation scores."""

    def __init__(self, charts: dict[str, LiveChart], clock: Callable[[], float] = time.monotonic) -> None:
        self._charts = charts
        self._clock = clock
        self.last_step = 0
        self.last: StepDone | None = None
        self.device_text = ""
        self.validations = 0
        self.scoreboard: tuple[Score, ...] = ()     # every check so far, step order (as the record keeps it)
        self.base: Score | None = None
        self.bicubic: Score | None = None
        self.scores_changed = False
        self._intervals: deque[float] = deque(maxlen=PACE_WINDOW)
        self._last_step_at: float | None = None
        self.failure = ""
        self.notice_text = ""
        self._notice_pending = False
        self._preview: PreviewReady | None = None
        self._started = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._started

    def route(self, event: Event) -> None:
        if not isinstance(event, StepDone):
            self._last_step_at = None       # whatever came between two steps is not step time
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def restore(self, run: RunRecord) -> None:
        """Start from a stored run: its loss history (smoothed as the live points are), its checks and its
        step. The charts stop at its last checkpoint, where training carries on (steps after it are
        trained again); the scoreboard keeps every row, as the record and finishing do."""
        for step, losses in run.losses.points:
            if step > run.last_step:
                break
            for name, value in losses.items():
                chart, series = LOSS_SERIES.get(name, (None, None))
                if chart is not None:
                    self._charts[chart].add_point(series, step, value)
        psnr = self._charts["psnr"]
        for score in (s for s in run.scoreboard if s.step <= run.last_step):
            psnr.add_point("psnr", score.step, score.psnr)
            if run.bicubic is not None:
                psnr.add_point("bicubic", score.step, run.bicubic.psnr)
            if run.base is not None:
                psnr.add_point("base", score.step, run.base.psnr)
        self.scoreboard, self.base, self.bicubic = run.scoreboard, run.base, run.bicubic
        self.scores_changed = True
        self.last_step = run.last_step

    @property
    def pace(self) -> float | None:
        """Seconds per step seen (see the module doc); None until a few steps were timed."""
        if len(self._intervals) < MIN_INTERVALS:
            return None
        limit = PAUSE_FACTOR * statistics.median(self._intervals)
        return statistics.fmean(t for t in self._intervals if t <= limit) or None

    def note_pause(self) -> None:
        """A pause began or ended: the interval across it is not step time."""
        self._last_step_at = None

    def with_scores(self, run: RunRecord) -> RunRecord:
        """`run` with the checks seen so far: what the scoreboard shows and the selection rule reads."""
        self.scores_changed = False
        return replace(run, scoreboard=self.scoreboard, base=self.base or run.base,
                       bicubic=self.bicubic or run.bicubic)

    # -- what the page polls ----------------------------------------------------------------------
    def take_preview(self) -> PreviewReady | None:
        preview, self._preview = self._preview, None
        return preview

    def take_notice(self) -> str | None:
        if not self._notice_pending:
            return None
        self._notice_pending = False
        return self.notice_text

    def status_text(self, total_steps: int, paused: bool, seconds_left: float | None) -> str:
        """ "Step 120 of 700 · 1.2 s per step · about 12 min left" (`seconds_left`: the budget's
        `time_left`, None when the step time was never measured)."""
        last = self.last
        if last is None:
            return "Paused." if paused else "Preparing the photos and the networks\u2026"
        text = f"Step {last.step:,} of {total_steps:,}"
        if paused:
            return text + " \u00b7 paused"
        if self.pace:
            pace = f"{self.pace:.2f} s per step" if self.pace >= 0.1 else f"{1 / self.pace:.0f} steps/s"
            text += f" \u00b7 {pace}"
        if seconds_left is not None:
            text += f" \u00b7 about {format_duration(seconds_left)} left"
        return text

    # -- handlers ---------------------------------------------------------------------------------
    def _on_started(self, event: TrainingStarted) -> None:
        self._started = time.monotonic()
        self.last_step = event.start_step
        self.device_text = (f"Training on {_device_words(event.device)} ({event.precision}) with "
                            f"{event.train_images} photos; {event.val_images} held out to measure progress.")
        if event.start_step:
            self._notify(f"Resumed at step {event.start_step:,} of {event.total_steps:,}.")

    def _on_device(self, event: DeviceChosen) -> None:
        text = f"Training on {event.description} ({event.precision})."
        self.device_text = f"{text} {event.notice}" if event.notice else text

    def _on_step(self, event: StepDone) -> None:
        self.last, self.last_step = event, event.step
        now = self._clock()
        if self._last_step_at is not None:
            self._intervals.append(now - self._last_step_at)
        self._last_step_at = now
        for name, value in event.losses.items():
            chart, series = LOSS_SERIES.get(name, (None, None))
            if chart is not None:
                self._charts[chart].add_point(series, event.step, value)
        if event.d_real is not None:
            self._charts["discriminator"].add_point("d_real", event.step, event.d_real)
        if event.d_fake is not None:
            self._charts["discriminator"].add_point("d_fake", event.step, event.d_fake)

    def _on_validation(self, event: ValidationDone) -> None:
        chart = self._charts["psnr"]
        chart.add_point("psnr", event.step, event.psnr)
        chart.add_point("bicubic", event.step, event.bicubic_psnr)
        if event.base_psnr is not None:
            chart.add_point("base", event.step, event.base_psnr)
        self.validations += 1
        rows = [s for s in self.scoreboard if s.step < event.step]     # a rolled-back run checks again
        self.scoreboard = (*rows, Score(event.step, event.psnr, event.ssim, event.niqe))
        if event.base_psnr is not None:
            self.base = Score(0, event.base_psnr, event.base_ssim, event.base_niqe)
        self.bicubic = Score(0, event.bicubic_psnr, event.bicubic_ssim, event.bicubic_niqe)
        self.scores_changed = True

    def _on_preview(self, event: PreviewReady) -> None:
        self._preview = event  # only the newest is drawn

    def _on_divergence(self, event: DivergenceDetected) -> None:
        for chart in self._charts.values():
            chart.truncate_after(event.rolled_back_to)
        self._notify(event.reason)  # the trainer already words it for the user

    def _on_failed(self, event: TrainingFailed) -> None:
        self.failure = event.message
        self._notify(event.message)

    def _notify(self, text: str) -> None:
        self.notice_text, self._notice_pending = text, True


def _device_words(device: str) -> str:
    if device == "cpu":
        return "the CPU"
    if device.startswith("cuda"):
        import torch
        try:
            return f"{torch.cuda.get_device_name(device)} ({device})"
        except (RuntimeError, AssertionError, ValueError):
            return f"GPU {device}"
    if device == "mps":
        return "the Apple GPU (MPS)"
    return device


_HANDLERS = {
    TrainingStarted: EventRouter._on_started, DeviceChosen: EventRouter._on_device,
    StepDone: EventRouter._on_step, ValidationDone: EventRouter._on_validation,
    PreviewReady: EventRouter._on_preview,
    DivergenceDetected: EventRouter._on_divergence, TrainingFailed: EventRouter._on_failed,
}
