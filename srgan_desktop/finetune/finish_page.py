"""Wizard page 4: the result in numbers; a name, and Save puts the model into the user's library.

What counts as a result is the selection rule's call (`RunRecord.selection()`, the rule the
trainer's best.ckpt and `core.finetune.finish` follow). A run that never beat its base model
says so in words, shows its scores and offers nothing to save: a copy of the base model under
a new name would only mislead. Such a run that trained to its end is marked finished when the
wizard closes; one stopped early stays kept, so it can be resumed to train longer.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core.common.formatting import format_duration
from core.common.paths import user_models_dir
from core.finetune.finish import NO_IMPROVEMENT, finish_run
from core.finetune.naming import name_problem, suggest_name
from core.finetune.runs import RunError, RunRecord, read_run
from srgan_desktop.finetune.scoreboard import Scoreboard
from srgan_desktop.finetune.session import FineTuneSession

ERROR_STYLE = "color: #b3261e;"
MUTED = "color: palette(placeholder-text);"


class FinishPage(QWizardPage):
    """The scoreboard and the verdict; a name and Save when the run improved on its base."""

    def __init__(self, session: FineTuneSession, parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self.improved = False
        self.setTitle("The result")
        layout = QVBoxLayout(self)
        self.results_label = _label()
        self.verdict_label = _label()
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.results_label)
        layout.addWidget(self.verdict_label)
        body = QHBoxLayout()                 # the scores on the left, what to do with them on the right
        self.scoreboard = Scoreboard()
        body.addWidget(self.scoreboard)
        side = QVBoxLayout()
        self.name_form = QWidget()
        form = QFormLayout(self.name_form)
        form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(80)
        self.name_edit.textChanged.connect(self._on_name_changed)
        self.description_edit = QLineEdit()
        self.description_edit.setPlaceholderText("Optional: what it is good at, e.g. \u201cold family scans\u201d")
        form.addRow("Name:", self.name_edit)
        form.addRow("Description:", self.description_edit)
        side.addWidget(self.name_form)
        self.problem_label = _label()
        self.problem_label.setStyleSheet(ERROR_STYLE)
        side.addWidget(self.problem_label)
        self.where_label = _label()
        self.where_label.setStyleSheet(MUTED)
        self.where_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.where_label)
        side.addStretch(1)
        body.addLayout(side, 1)
        layout.addLayout(body, 1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        run = self._session.run
        if run is None:
            return
        selection = run.selection()
        self.improved = selection.improved
        self.results_label.setText(self._how_it_ended(run))
        self.scoreboard.show_run(run)
        self.name_form.setVisible(self.improved)
        wizard = self.wizard()
        if self.improved:
            self.setSubTitle("It is saved in your model library and appears in the model picker at once.")
            verdict = f"<b>{escape(selection.reason)}</b> The highlighted row is what is saved."
            best = selection.best
            if best is not None and run.bicubic is not None and best.psnr < run.bicubic.psnr:
                verdict += (" <i>It still scores below a plain bicubic enlargement: train longer, or start "
                            "from a trained model.</i>")
            self.verdict_label.setText(verdict)
            if not self.name_edit.text():
                self.name_edit.setText(run.title or suggest_name(None, run.mode))
            self.where_label.setText(f"Saved to {user_models_dir()}, with where it came from: the base model, "
                                     "the photo folder, the steps and the scores above.")
        else:
            self.setSubTitle("Nothing better than the model it started from came out of this run.")
            self.verdict_label.setText(f"<b>{escape(NO_IMPROVEMENT)}</b> {escape(selection.reason)}")
            self.where_label.setText(_what_happens_without_a_model(run))
        if wizard is not None:
            wizard.setButtonText(QWizard.WizardButton.FinishButton, "Save Model" if self.improved else "Close")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not self.improved or not name_problem(self.name_edit.text())

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        """Save the model (the wizard then announces it: model_created); without an improvement,
        a run trained to its end is marked finished and one stopped early stays kept."""
        run = self._session.run
        if run is None:
            return True
        if not self.improved and not run.trained:
            return True
        try:
            result = finish_run(read_run(run.id), self.name_edit.text(), self.description_edit.text().strip(),
                                self._session.provenance())
        except (OSError, ValueError, RuntimeError, RunError) as exc:
            self.problem_label.setText(f"Could not save the model: {str(exc).splitlines()[0]}")
            return False
        self._session.run = result.run
        self._session.saved_model = result.model
        return True

    def _how_it_ended(self, run: RunRecord) -> str:
        outcome = self._session.outcome
        steps = outcome.steps if outcome is not None else run.last_step
        seconds = outcome.seconds if outcome is not None else run.seconds
        how = "stopped early" if run.last_step < run.total_steps else "finished"
        return (f"Training {how} after {steps:,} of {run.total_steps:,} steps in {format_duration(seconds)}. "
                "Each row is a check on the held-out photos, which training never saw.")

    def _on_name_changed(self, text: str) -> None:
        self.problem_label.setText(name_problem(text) if text else "")
        self.completeChanged.emit()


def _what_happens_without_a_model(run: RunRecord) -> str:
    if run.trained:
        return ("Close marks this run finished and deletes its checkpoints; it stays in Tools \u203a "
                "Fine-Tunes with its scores. To try again, start a new run with more time or more photos.")
    return ("The run is kept in Tools \u203a Fine-Tunes: resume it there to train longer, or add photos to "
            "the folder and start a new run.")


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    return label

