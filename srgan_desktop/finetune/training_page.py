"""Wizard page 3: the fine-tune runs in the background with live charts, a preview, a scoreboard
and the time left.

The trainer may report every step; this page only buffers what arrives and repaints on a
100 ms timer (the charts batch their points the same way), so the window stays responsive
however fast the steps come. The time left is the budget's (`core.finetune.budget.time_left`:
the steps and the checks of the held-out photos still to come, at the pace seen so far). The run's
record is kept by `core.finetune.runner.run_finetune`, which this page runs: Stop keeps the run
("kept"); the app closing keeps it as "interrupted", offered at the next start. A resumed run
starts from its record: its charts, scores and last preview are shown as they were.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizardPage

from core.common.events import Cancelled, Control
from core.common.formatting import format_duration
from core.finetune.budget import BudgetPlan, budget_text, time_left
from core.finetune.naming import suggest_name
from core.finetune.run_plan import plan_of_run
from core.finetune.runner import run_finetune
from core.finetune.runs import BEST_CHECKPOINT, RunError, RunRecord, create_run, mark, read_run
from srgan_desktop.background import Job, WorkFailed, async_slot, call_in_background, run_in_background
from srgan_desktop.finetune.preview import PreviewPanel
from srgan_desktop.finetune.scoreboard import Scoreboard
from srgan_desktop.finetune.session import FineTuneSession, TrainingOutcome
from srgan_desktop.finetune.training_charts import TrainingCharts
from srgan_desktop.finetune.training_events import EventRouter

NOTICE_STYLE = ("QLabel { background: #fff4ce; color: #5c4400; border: 1px solid #e8c964;"
                " border-radius: 4px; padding: 6px; }")
ERROR_STYLE = ("QLabel { background: #fde7e9; color: #6b0f17; border: 1px solid #e8a3aa;"
               " border-radius: 4px; padding: 6px; }")
MUTED = "color: palette(placeholder-text);"
REFRESH_MS = 100
SCOREBOARD_HEIGHT = 150


class TrainingPage(QWizardPage):
    """Runs the fine-tune and shows its progress; complete once a usable checkpoint exists."""

    def __init__(self, session: FineTuneSession, parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self._job: Job | None = None
        self._control = Control()
        self._total_steps = 0
        self._closing = False
        self.plan: BudgetPlan | None = None
        self.started = False
        self.setTitle("Training")
        self.setSubTitle("Your model is learning from your photos. You can pause, or stop and keep the "
                         "run to resume or finish later.")
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
        self.plan_label = _muted()
        layout.addWidget(self.plan_label)
        self.device_label = _muted()
        layout.addWidget(self.device_label)
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.charts = TrainingCharts()
        left.addWidget(self.charts, 1)
        scores = QHBoxLayout()
        self.scoreboard = Scoreboard()
        self.scoreboard.setMaximumHeight(SCOREBOARD_HEIGHT)
        self.selection_label = _muted()
        self.selection_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        scores.addWidget(self.scoreboard)
        scores.addWidget(self.selection_label, 1)
        left.addLayout(scores)
        body.addLayout(left, 1)
        self.preview = PreviewPanel()
        body.addWidget(self.preview)
        layout.addLayout(body, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button = QPushButton("Stop and Keep")
        self.stop_button.setToolTip("Stop after the current step; the run is kept in Tools \u203a Fine-Tunes, "
                                    "where it can be resumed, or finished with its best result so far")
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        layout.addLayout(buttons)
        self._router = EventRouter(self.charts.by_name())

    # -- wizard hooks -----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if not self.started:
            self.start()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        outcome = self._session.outcome
        return not self.running and outcome is not None and outcome.best_checkpoint is not None

    # -- control ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the run the earlier pages describe, or carry on with the one the wizard was opened for."""
        session = self._session
        self.started = True
        try:
            resumed = session.resume
            run = resumed if resumed is not None else self._new_run()
            config = run.train_config()
        except (ValueError, OSError, KeyError, TypeError, RunError) as exc:
            self._show_notice(f"Training cannot start: {str(exc).splitlines()[0]}", error=True)
            self.status_label.setText("Not started.")
            self.pause_button.setEnabled(False)
            self.stop_button.setEnabled(False)
            return
        session.run, session.outcome = run, None
        self._total_steps = config.steps
        self.charts.configure(config.phase == "gan", config.steps)
        self.progress.setRange(0, config.steps)
        if resumed is not None:
            self._show_record(resumed)
        else:
            self._show_plan(session.plan)
        self._job = run_in_background(lambda control: run_finetune(run, control, resumed is not None),
                                      on_event=self._router.route, control=self._control)
        self._refresh.start()
        self._await_training(self._job, resumed)

    @async_slot()
    async def _await_training(self, job: Job, resumed: RunRecord | None) -> None:
        """How the run ended: trained, stopped by the user, or failed; then the page says so."""
        if resumed is not None:                  # its plan, while it already trains
            try:
                self._show_plan(await call_in_background(plan_of_run, resumed))
            except WorkFailed:
                pass                             # no time left shown, only steps
        try:
            done = await job
        except Cancelled:
            if not self._closing:               # the user's Stop: kept, not "interrupted by a close"
                self._keep()
            self._set_outcome(stopped_early=True)
        except WorkFailed as failure:
            self._on_failed(failure.message)
        else:
            self._session.run = done.run
            self._set_outcome(stopped_early=self._control.cancelled or done.finished.steps < self._total_steps,
                              steps=done.finished.steps, seconds=done.finished.seconds)
        finally:
            self._job = None
            self._show_end()

    def _new_run(self) -> RunRecord:
        s = self._session
        if s.choices is None or s.recipe is None or s.plan is None:
            raise ValueError("the earlier pages have not chosen the photos and the goal")
        title = suggest_name(s.choices.data_dir, s.choices.mode)
        return create_run(s.choices, s.recipe, s.plan, title, base_title=s.base_title, overrides=s.train_overrides)

    def _keep(self) -> None:
        """The user stopped the run: its record says "kept" (the runner wrote "interrupted")."""
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
        """Stop between steps; the trainer writes a last checkpoint and keeps the best one."""
        if self._job is None:
            return
        self.status_label.setText("Stopping after the current step\u2026")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self._control.cancel()

    def stop_for_close(self, keep: bool) -> None:
        """The wizard (`keep`: the run is "kept") or the app (it stays "interrupted", offered at the
        next start) is closing: stop, and block until the last checkpoint is written."""
        self._closing = True
        job = self._job
        if job is not None:
            self.stop()
            job.stop()
            if keep:
                self._keep()

    # -- outcomes ---------------------------------------------------------------------------------
    def _on_failed(self, message: str) -> None:
        # The trainer's TrainingFailed event already carried the full explanation.
        text = self._router.failure or (message if message.startswith("Training") else
                                        f"Training stopped: {message}")
        self._router.take_notice()
        self._show_notice(text, error=True)
        self._set_outcome(stopped_early=True)

    def _set_outcome(self, stopped_early: bool, steps: int | None = None, seconds: float | None = None) -> None:
        run = self._session.run
        if run is not None and (stopped_early or steps is None):
            try:
                run = self._session.run = read_run(run.id)      # what the runner wrote at the end
            except RunError:
                pass
        best = run.folder / BEST_CHECKPOINT if run is not None else None
        self._session.outcome = TrainingOutcome(
            best_checkpoint=best if best is not None and best.exists() else None,
            steps=self._router.last_step if steps is None else steps,
            seconds=self._router.seconds if seconds is None else seconds, stopped_early=stopped_early)

    def _show_end(self) -> None:
        self._refresh.stop()
        self._on_refresh()
        self.charts.flush()
        self.pause_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        outcome = self._session.outcome
        if outcome is not None and outcome.best_checkpoint is not None:
            verb = "Stopped" if outcome.stopped_early else "Finished"
            self.status_label.setText(f"{verb} after {outcome.steps:,} steps in "
                                      f"{format_duration(outcome.seconds)}. Press Next to see the result.")
        elif not self.notice_label.isVisible():
            self._show_notice("Training ended before a usable checkpoint was saved, so there is no model "
                              "to keep. Try a longer time, or check the photos and settings.", error=True)
        self.completeChanged.emit()

    # -- display ----------------------------------------------------------------------------------
    def _show_plan(self, plan: BudgetPlan | None) -> None:
        self.plan = plan
        if plan is not None:
            self.plan_label.setText(f"The plan: {budget_text(plan, self._session.device_words)}")

    def _show_record(self, run: RunRecord) -> None:
        """A resumed run as it stopped: charts, scores and its last preview."""
        self._router.restore(run)
        self.progress.setValue(min(run.last_step, self._total_steps))
        self.status_label.setText(f"Resuming at step {run.last_step:,} of {run.total_steps:,}\u2026")
        preview = run.preview_path
        if preview is not None and preview.is_file():
            image = QImage(str(preview))
            if not image.isNull():
                self.preview.show_saved(run.preview_step, image)
        self._show_scores()

    def _show_scores(self) -> None:
        run = self._session.run
        if run is None:
            return
        scored = self._router.with_scores(run)
        self.scoreboard.show_run(scored, follow_latest=True)
        if scored.scoreboard:
            self.selection_label.setText(scored.selection().reason)

    def _on_refresh(self) -> None:
        """The 100 ms tick: progress, labels, preview, scores and notices from the latest events."""
        router = self._router
        self.progress.setValue(min(router.last_step, self._total_steps))
        if router.device_text:
            self.device_label.setText(router.device_text)
        if router.take_notice() is not None:
            self._show_notice(router.notice_text, error=False)
        preview = router.take_preview()
        if preview is not None:
            self.preview.show_preview(preview.step, preview.lr, preview.sr, preview.hr, preview.base_sr)
        if router.scores_changed:
            self._show_scores()
        if self._job is not None and not self._control.cancelled:
            left = time_left(self.plan, router.last_step, router.pace) if self.plan is not None else None
            self.status_label.setText(router.status_text(self._total_steps, self._control.paused, left))

    def _show_notice(self, text: str, error: bool) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(ERROR_STYLE if error else NOTICE_STYLE)
        self.notice_label.show()

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self._control.pause()
        else:
            self._control.resume()
        self._router.note_pause()
        self.pause_button.setText("Resume" if paused else "Pause")
        self._on_refresh()


def _muted() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(MUTED)
    return label
