"""Wizard page 3: the fine-tune runs in the background with live charts, a preview and controls.

The trainer may report every step; this page only buffers what arrives and repaints on a
100 ms timer (the charts batch their points the same way), so the window stays responsive
however fast the steps come. Stop keeps the best checkpoint so far; closing mid-run keeps
the last checkpoint and the run's record (`core.finetune.runs`), so the next start can offer to
resume. The record itself is kept by `core.finetune.runner.run_finetune`, which this page runs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizardPage

from core.common.events import Cancelled, Control
from core.common.formatting import format_duration
from core.finetune.naming import suggest_name
from core.finetune.runner import run_finetune
from core.finetune.runs import BEST_CHECKPOINT, LAST_CHECKPOINT, RunError, RunRecord, create_run, mark, read_run
from srgan_desktop.background import Job, WorkFailed, async_slot, run_in_background
from srgan_desktop.finetune.chart import LiveChart
from srgan_desktop.finetune.preview import PreviewPanel
from srgan_desktop.finetune.session import FineTuneSession, TrainingOutcome
from srgan_desktop.finetune.training_events import EventRouter

NOTICE_STYLE = ("QLabel { background: #fff4ce; color: #5c4400; border: 1px solid #e8c964;"
                " border-radius: 4px; padding: 6px; }")
ERROR_STYLE = ("QLabel { background: #fde7e9; color: #6b0f17; border: 1px solid #e8a3aa;"
               " border-radius: 4px; padding: 6px; }")
REFRESH_MS = 100
SMOOTHING = 0.9          # EMA of per-step values: about the last 10 steps


class TrainingPage(QWizardPage):
    """Runs the fine-tune and shows its progress; complete once a usable checkpoint exists."""

    def __init__(self, session: FineTuneSession, parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self._job: Job | None = None
        self._control = Control()
        self._out_dir: Path | None = None
        self._total_steps = 0
        self._closing = False
        self.started = False
        self.setTitle("Training")
        self.setSubTitle("Your model is learning from your photos. You can pause, or stop and keep the "
                         "best result so far.")
        self._build()
        self._refresh = QTimer(self, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._on_refresh)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        status = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.status_label = QLabel("Preparing\u2026")
        status.addWidget(self.progress, 1)
        status.addWidget(self.status_label, 2)
        layout.addLayout(status)
        self.device_label = QLabel()
        self.device_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.device_label)
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        body = QHBoxLayout()
        charts = QGridLayout()
        smooth = {"smoothing": SMOOTHING, "nonnegative": True}
        self.content_chart = LiveChart("Generator content loss (smoothed)", [("content", "G content")],
                                       **smooth)
        self.adversarial_chart = LiveChart("Adversarial losses (smoothed)",
                                           [("adversarial", "G adversarial"), ("d_loss", "D loss")], **smooth)
        self.discriminator_chart = LiveChart("Discriminator outputs (smoothed)",
                                             [("d_real", "D(real)"), ("d_fake", "D(fake)")],
                                             y_range=(0.0, 1.0), **smooth)
        self.psnr_chart = LiveChart("Validation PSNR (held-out photos)",
                                    [("psnr", "This model"), ("bicubic", "Bicubic"), ("base", "Base model")],
                                    y_title="dB", markers=True)
        charts.addWidget(self.content_chart, 0, 0)
        charts.addWidget(self.psnr_chart, 0, 1)
        charts.addWidget(self.adversarial_chart, 1, 0)
        charts.addWidget(self.discriminator_chart, 1, 1)
        body.addLayout(charts, 1)
        self.preview = PreviewPanel()
        body.addWidget(self.preview)
        layout.addLayout(body, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button = QPushButton("Stop and Keep Best")
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        layout.addLayout(buttons)
        self._router = EventRouter({"content": self.content_chart, "adversarial": self.adversarial_chart,
                                    "discriminator": self.discriminator_chart, "psnr": self.psnr_chart})

    # -- wizard hooks -----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if not self.started:
            self.start()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        outcome = self._session.outcome
        return not self.running and outcome is not None and outcome.best_checkpoint is not None

    # -- control ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) the run the earlier pages describe."""
        session = self._session
        self.started = True
        try:
            run, resume = (session.resume, True) if session.resume is not None else (self._new_run(), False)
            config = run.train_config()
        except (ValueError, OSError, KeyError, TypeError, RunError) as exc:
            self._show_notice(f"Training cannot start: {str(exc).splitlines()[0]}", error=True)
            self.status_label.setText("Not started.")
            self.pause_button.setEnabled(False)
            self.stop_button.setEnabled(False)
            return
        session.run = run
        self._out_dir = config.out_dir
        self._total_steps = config.steps
        self._configure_charts(config.phase == "gan", config.steps)
        self._session.outcome = None
        self._job = run_in_background(lambda control: run_finetune(run, control, resume),
                                      on_event=self._router.route, control=self._control)
        self._refresh.start()
        self._await_training(self._job)

    @async_slot()
    async def _await_training(self, job: Job) -> None:
        """How the run ended: finished, stopped by the user, or failed; then the page says so."""
        try:
            done = await job
        except Cancelled:
            if not self._closing:               # the user's Stop: kept, not "interrupted by a close"
                self._mark_kept()
            self._set_outcome(best=None, steps=self._router.last_step, seconds=self._router.seconds,
                              stopped_early=True)
        except WorkFailed as failure:
            self._on_failed(failure.message)
        else:
            self._session.run, finished = done.run, done.finished
            steps = getattr(finished, "steps", self._router.last_step)
            self._set_outcome(best=getattr(finished, "best_checkpoint", None), steps=steps,
                              seconds=getattr(finished, "seconds", 0.0),
                              stopped_early=self._control.cancelled or steps < self._total_steps)
        finally:
            self._job = None
            self._show_end()

    def _new_run(self) -> RunRecord:
        s = self._session
        if s.choices is None or s.recipe is None or s.plan is None:
            raise ValueError("the earlier pages have not chosen the photos and the goal")
        title = suggest_name(s.choices.data_dir, s.choices.mode)
        return create_run(s.choices, s.recipe, s.plan, title, base_title=s.base_title, overrides=s.train_overrides)

    def _mark_kept(self) -> None:
        run = self._session.run
        if run is not None:
            try:
                self._session.run = mark(read_run(run.id), "kept")
            except (RunError, OSError):
                pass                            # the record says "interrupted": still listed, still resumable

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def paused(self) -> bool:
        return self._control.paused

    def pause(self) -> None:
        self.pause_button.setChecked(True)

    def resume(self) -> None:
        self.pause_button.setChecked(False)

    def stop(self) -> None:
        """Stop between steps; the trainer keeps the best checkpoint and writes a last one."""
        if self._job is None:
            return
        self.status_label.setText("Stopping after the current step\u2026")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self._control.cancel()

    def stop_for_close(self) -> None:
        """The wizard or the app is closing: stop, and block until the checkpoint is written."""
        self._closing = True
        if self._job is not None:
            self.stop()
            self._job.stop()

    # -- outcomes ---------------------------------------------------------------------------------
    def _on_failed(self, message: str) -> None:
        # The trainer's TrainingFailed event already carried the full explanation.
        text = self._router.failure or (message if message.startswith("Training") else
                                        f"Training stopped: {message}")
        self._router.take_notice()
        self._show_notice(text, error=True)
        self._set_outcome(best=None, steps=self._router.last_step, seconds=self._router.seconds,
                          stopped_early=True)

    def _set_outcome(self, best, steps: int, seconds: float, stopped_early: bool) -> None:
        best = Path(best) if best else self._router.best_checkpoint or self._existing(BEST_CHECKPOINT)
        last = self._existing(LAST_CHECKPOINT)
        self._session.outcome = TrainingOutcome(
            best_checkpoint=best if best and best.exists() else None, last_checkpoint=last, steps=steps,
            seconds=seconds or self._router.seconds, stopped_early=stopped_early,
            validation=dict(self._router.best_validation or self._router.validation))

    def _existing(self, name: str) -> Path | None:
        path = self._out_dir / name if self._out_dir else None
        return path if path is not None and path.exists() else None

    def _show_end(self) -> None:
        self._refresh.stop()
        self._on_refresh()
        for chart in self._charts():
            chart.flush()
        self.pause_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        outcome = self._session.outcome
        if outcome is not None and outcome.best_checkpoint is not None:
            verb = "Stopped" if outcome.stopped_early else "Finished"
            self.status_label.setText(f"{verb} after {outcome.steps:,} steps in "
                                      f"{format_duration(outcome.seconds)}. Press Next to name your model.")
        elif not self.notice_label.isVisible():
            self._show_notice("Training ended before a usable checkpoint was saved, so there is no model "
                              "to keep. Try more steps, or check the photos and settings.", error=True)
        self.completeChanged.emit()

    # -- display ----------------------------------------------------------------------------------
    def _configure_charts(self, gan: bool, steps: int) -> None:
        self.adversarial_chart.setVisible(gan)
        self.discriminator_chart.setVisible(gan)
        for chart in self._charts():
            chart.set_x_range(steps)
        self.progress.setRange(0, steps)

    def _charts(self) -> list[LiveChart]:
        return [self.content_chart, self.adversarial_chart, self.discriminator_chart, self.psnr_chart]

    def _on_refresh(self) -> None:
        """The 100 ms tick: progress, labels, preview and notices from the latest events."""
        router = self._router
        self.progress.setValue(min(router.last_step, self._total_steps))
        if router.device_text:
            self.device_label.setText(router.device_text)
        if router.take_notice() is not None:
            self._show_notice(router.notice_text, error=False)
        preview = router.take_preview()
        if preview is not None:
            self.preview.show_preview(preview.step, preview.lr, preview.sr, preview.hr, preview.base_sr)
        if self._job is not None and not self._control.cancelled:
            self.status_label.setText(router.status_text(self._total_steps, self._control.paused))

    def _show_notice(self, text: str, error: bool) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(ERROR_STYLE if error else NOTICE_STYLE)
        self.notice_label.show()

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self._control.pause()
        else:
            self._control.resume()
        self.pause_button.setText("Resume" if paused else "Pause")
        self._on_refresh()

