"""The goal page's estimate: how fast this computer trains the chosen settings, and the plan's text.

The step time is measured once per settings and device (`core.finetune.speed`, a few seconds of
real training steps in the background) and remembered, so the next visit and the next wizard
show the same figure at once. What the estimate says is `core.finetune.budget.budget_text`, the
one text every page and `srgan finetune` show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from core.common.events import Cancelled
from core.finetune.budget import BudgetPlan, budget_text
from core.finetune.speed import speed_for
from core.training.config import TrainConfig
from core.training.timing import TimingProgress, Timings
from srgan_desktop.background import Job, WorkFailed, async_slot, run_in_background

PROBLEM_STYLE = "color: #b3261e;"
MEASURING_TEXT = "Measuring how fast this computer trains with these settings (once; it is remembered)\u2026"


class SpeedEstimate(QWidget):
    """Measures (or recalls) a config's timings; `settled` fires when they are known or failed."""

    settled = Signal()
    remeasure_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timings: Timings | None = None
        self.failure = ""
        self._job: Job | None = None
        self._next: tuple[TrainConfig, bool] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.again_button = QPushButton("Measure Again")
        self.again_button.setToolTip("Time this computer's training steps anew (the remembered figure is replaced)")
        self.again_button.clicked.connect(self.remeasure_requested)
        row.addWidget(self.label, 1)
        row.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        layout.addWidget(self.progress)

    @property
    def busy(self) -> bool:
        return self._job is not None

    @async_slot()
    async def measure(self, config: TrainConfig, remeasure: bool = False) -> None:
        """The timings of `config`: remembered ones at once, else a measurement (progress shown)."""
        if self._job is not None:
            self._next = (config, remeasure)        # the settings changed: measure those instead
            self._job.cancel()
            return
        self.timings, self.failure = None, ""
        self.again_button.setEnabled(False)
        job = run_in_background(lambda control: speed_for(config, control, remeasure), on_event=self._on_progress)
        self._job = job
        try:
            timings = await job
        except Cancelled:
            timings = None
        except WorkFailed as failure:
            timings, self.failure = None, failure.message
        finally:
            self._job = None
            self.progress.hide()
            self.again_button.setEnabled(True)
        if self._next is not None:
            config, remeasure = self._next
            self._next = None
            self.measure(config, remeasure)
            return
        self.timings = timings
        if self.failure:
            self.show_text(f"Could not measure the training speed: {self.failure}", problem=True)
        self.settled.emit()

    def show_plan(self, plan: BudgetPlan, device_words: str) -> None:
        """The budget's one text; a plan that cannot work (`plan.problem`) reads as a problem."""
        self.show_text(budget_text(plan, device_words), problem=bool(plan.problem))

    def show_text(self, text: str, problem: bool = False) -> None:
        self.label.setText(text)
        self.label.setStyleSheet(PROBLEM_STYLE if problem else "")

    def cleanup(self) -> None:
        """The wizard is closing: stop a measurement under way."""
        self._next = None
        if self._job is not None:
            self._job.stop()

    def _on_progress(self, event) -> None:
        if isinstance(event, TimingProgress):
            self._show_measuring(event.done, event.total, event.stage)

    def _show_measuring(self, done: int, total: int, stage: str = "") -> None:
        detail = f" {stage}" + (f": {done} of at most {total}" if total else "") + "." if stage else ""
        self.show_text(MEASURING_TEXT + detail)
        self.progress.setRange(0, total)            # 0, 0: a busy bar until the steps are counted
        self.progress.setValue(done)
        self.progress.show()
