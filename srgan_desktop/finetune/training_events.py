"""Turns the trainer's event stream into chart points and the latest state for the training page.

Events arrive on the GUI thread as fast as the trainer makes them. Chart points are queued
in the charts (which repaint on their own timer); everything else is only remembered here,
and the page reads it on its 100 ms refresh tick.
"""

from __future__ import annotations

import time
from pathlib import Path

from core.common.events import DeviceChosen, Event
from core.common.formatting import format_duration
from core.training.events import (
    CheckpointSaved,
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


class EventRouter:
    """Feeds the charts and keeps the latest step, preview, notice and validation scores."""

    def __init__(self, charts: dict[str, LiveChart]) -> None:
        self._charts = charts
        self.last_step = 0
        self.last: StepDone | None = None
        self.device_text = ""
        self.best_checkpoint: Path | None = None
        self.validation: dict[str, float] = {}       # the latest validation scores
        self.best_validation: dict[str, float] = {}  # ... of the best checkpoint (what is saved)
        self._validation_step = -1
        self.validations = 0
        self.rollbacks = 0
        self.saved_step = 0          # step of the newest resumable checkpoint
        self.failure = ""
        self.notice_text = ""
        self._notice_pending = False
        self._preview: PreviewReady | None = None
        self._started = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._started

    def route(self, event: Event) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    # -- what the page polls ----------------------------------------------------------------------
    def take_preview(self) -> PreviewReady | None:
        preview, self._preview = self._preview, None
        return preview

    def take_notice(self) -> str | None:
        if not self._notice_pending:
            return None
        self._notice_pending = False
        return self.notice_text

    def status_text(self, total_steps: int, paused: bool) -> str:
        last = self.last
        if last is None:
            return "Paused." if paused else "Preparing the photos and the networks\u2026"
        text = f"Step {last.step:,} of {total_steps:,}"
        if paused:
            return text + " \u00b7 paused"
        if last.steps_per_second > 0:
            rate = last.steps_per_second
            text += f" \u00b7 {rate:.2f} steps/s" if rate < 10 else f" \u00b7 {rate:.0f} steps/s"
            text += f" \u00b7 about {format_duration(last.eta_seconds)} left"
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
        self.validation = {"psnr": event.psnr, "ssim": event.ssim, "bicubic_psnr": event.bicubic_psnr,
                           "bicubic_ssim": event.bicubic_ssim}
        if event.base_psnr is not None:
            chart.add_point("base", event.step, event.base_psnr)
            self.validation["base_psnr"] = event.base_psnr
        self._validation_step = event.step
        self.validations += 1

    def _on_preview(self, event: PreviewReady) -> None:
        self._preview = event  # only the newest is drawn

    def _on_checkpoint(self, event: CheckpointSaved) -> None:
        if not event.best:
            self.saved_step = event.step
        if event.best:
            self.best_checkpoint = Path(event.path)
            if event.step == self._validation_step:
                self.best_validation = dict(self.validation)

    def _on_divergence(self, event: DivergenceDetected) -> None:
        for chart in self._charts.values():
            chart.truncate_after(event.rolled_back_to)
        self.rollbacks += 1
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
    PreviewReady: EventRouter._on_preview, CheckpointSaved: EventRouter._on_checkpoint,
    DivergenceDetected: EventRouter._on_divergence, TrainingFailed: EventRouter._on_failed,
}
