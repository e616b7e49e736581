"""The training progress `srgan train` and `srgan finetune` print: a bar of steps with the losses, a
line per validation and per new best checkpoint, and the first Ctrl-C turned into a clean stop."""

from __future__ import annotations

import signal
import sys

from core.cli.progress import ProgressBar
from core.common.events import Control, drain
from core.training.config import TrainConfig
from core.training.events import (
    CheckpointSaved,
    DivergenceDetected,
    StepDone,
    TrainingFailed,
    TrainingStarted,
    ValidationDone,
)


def first_interrupt(control: Control, printer: TrainingPrinter):
    def handler(signum, frame):
        printer.note("Stopping after this step and saving a checkpoint (Ctrl-C again to abort at once)...")
        control.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return handler


class TrainingPrinter:
    """Turns training events into a progress bar and a few lines of news."""

    def __init__(self, config: TrainConfig, quiet: bool = False) -> None:
        self.config, self.quiet = config, quiet
        self.bar: ProgressBar | None = None
        self.step, self.failed = 0, False
        self.last_validation: ValidationDone | None = None

    def consume(self, events):
        return drain(events, self._take)

    def _take(self, event) -> None:
        if not self.quiet:
            self.show(event)
        self.failed |= isinstance(event, TrainingFailed)

    def show(self, event) -> None:
        if isinstance(event, TrainingStarted):
            self._started(event)
        elif isinstance(event, StepDone):
            self.step = event.step
            if self.bar is not None:                # None only if a step came before TrainingStarted
                self.bar.update(event.step, extra=_step_words(event), rate=event.steps_per_second or None)
        elif isinstance(event, ValidationDone):
            self.last_validation = event
            base = f", base model {event.base_psnr:.2f}" if event.base_psnr is not None else ""
            niqe = f", NIQE {event.niqe:.2f}" if event.niqe is not None else ""
            self.note(f"step {event.step}: PSNR {event.psnr:.2f} dB, SSIM {event.ssim:.4f}{niqe} "
                      f"(bicubic {event.bicubic_psnr:.2f} dB / {event.bicubic_ssim:.4f}{base})")
        elif isinstance(event, CheckpointSaved) and event.best and event.step:
            self.note(f"step {event.step}: new best, saved {event.path}")
        elif isinstance(event, DivergenceDetected):
            self.note(event.reason)
        elif isinstance(event, TrainingFailed):
            self.note(event.message)

    def _started(self, event: TrainingStarted) -> None:
        c = self.config
        print(f"Training {'SRGAN' if c.phase == 'gan' else 'SRResNet'} x{c.scale} on {event.train_images} photos "
              f"({event.val_images} held out) on {event.device}, {event.precision}"
              + (f", {event.world_size} processes" if event.world_size > 1 else "")
              + (f"; resuming at step {event.start_step}" if event.start_step else ""), file=sys.stderr)
        for path, reason in event.skipped:
            print(f"  skipped {path}: {reason}", file=sys.stderr)
        self.bar = ProgressBar(event.total_steps, label="train", unit="step", initial=event.start_step)
        self.bar.update(event.start_step, force=True)

    def note(self, text: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.message(text)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _step_words(event: StepDone) -> str:
    words = " ".join(f"{k} {v:.4g}" for k, v in event.losses.items())
    if event.d_real is not None:
        words += f"  D(real) {event.d_real:.2f} D(fake) {event.d_fake:.2f}"
    return f"{words}  lr {event.lr:.1e}"


