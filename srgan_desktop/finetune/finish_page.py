"""Wizard page 4: name the model; Finish saves it into the user's model library."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWizardPage

from core.common.formatting import format_duration
from core.common.paths import user_models_dir
from core.finetune.finish import NO_IMPROVEMENT, finish_run
from core.finetune.naming import name_problem, suggest_name
from core.finetune.runs import RunError, read_run
from srgan_desktop.finetune.session import FineTuneSession

ERROR_STYLE = "color: #b3261e;"


class FinishPage(QWizardPage):
    """Shows the result in numbers, asks for a name, saves the model on Finish."""

    def __init__(self, session: FineTuneSession, parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self.setTitle("Name your model")
        self.setSubTitle("It is saved in your model library and appears in the model picker at once.")
        layout = QVBoxLayout(self)
        self.results_label = QLabel()
        self.results_label.setWordWrap(True)
        self.results_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.results_label)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(80)
        self.name_edit.textChanged.connect(self._on_name_changed)
        self.description_edit = QLineEdit()
        self.description_edit.setPlaceholderText(
            "Optional: what it is good at, e.g. \u201cold family scans\u201d")
        form.addRow("Name:", self.name_edit)
        form.addRow("Description:", self.description_edit)
        layout.addLayout(form)
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.problem_label)
        self.where_label = QLabel()
        self.where_label.setWordWrap(True)
        self.where_label.setStyleSheet("color: palette(placeholder-text);")
        self.where_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where_label)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        choices = self._session.choices
        if not self.name_edit.text():
            self.name_edit.setText(suggest_name(choices.data_dir if choices else None,
                                                choices.mode if choices else "faithful"))
        self.results_label.setText(_results_html(self._session))
        self.where_label.setText(f"Saved to {user_models_dir()}, with where it came from: the base "
                                 "model, the photo folder, the steps and the scores above.")

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not name_problem(self.name_edit.text())

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        """Save the model, unless the run never beat its base (core.finetune.finish); the wizard
        then announces it (model_created)."""
        outcome, run = self._session.outcome, self._session.run
        if outcome is None or outcome.best_checkpoint is None or run is None:
            self.problem_label.setText("There is no trained checkpoint to save.")
            return False
        try:
            result = finish_run(read_run(run.id), self.name_edit.text(), self.description_edit.text().strip(),
                                self._session.provenance())
        except (OSError, ValueError, RuntimeError, RunError) as exc:
            self.problem_label.setText(f"Could not save the model: {str(exc).splitlines()[0]}")
            return False
        self._session.run = result.run
        if result.model is None:
            self.problem_label.setText(f"{NO_IMPROVEMENT} {result.selection.reason}")
            return False
        self._session.saved_model = result.model
        return True

    def _on_name_changed(self, text: str) -> None:
        self.problem_label.setText(name_problem(text) if text else "")
        self.completeChanged.emit()


def _results_html(session: FineTuneSession) -> str:
    outcome = session.outcome
    if outcome is None:
        return ""
    how = "stopped early" if outcome.stopped_early else "finished"
    text = (f"Training {how} after <b>{outcome.steps:,} steps</b> in {format_duration(outcome.seconds)}. "
            "The kept checkpoint is saved: for Faithful the one with the highest PSNR on the held-out "
            "photos, for Photo-realistic the most natural one (lowest NIQE) within 0.5 dB of the base "
            "model's PSNR. When none beat the base model, nothing is saved.")
    scores = outcome.validation
    if "psnr" in scores:
        rows = [("This model", scores["psnr"], scores.get("ssim")),
                ("Bicubic enlargement", scores.get("bicubic_psnr"), scores.get("bicubic_ssim"))]
        if "base_psnr" in scores:
            rows.append(("Base model", scores["base_psnr"], None))
        cells = "".join(
            f"<tr><td>{name}</td><td align='right'>{psnr:.2f} dB</td>"
            f"<td align='right'>{'' if ssim is None else f'{ssim:.3f}'}</td></tr>"
            for name, psnr, ssim in rows if psnr is not None)
        text += ("<p>The saved checkpoint on the held-out photos:</p><table cellspacing='8'>"
                 "<tr><th align='left'></th><th>PSNR</th><th>SSIM</th></tr>" + cells + "</table>")
        if scores.get("base_psnr") is not None:
            gain = scores["psnr"] - scores["base_psnr"]
            text += f"<p>That is <b>{gain:+.2f} dB</b> compared with the base model on your photos.</p>"
        if scores.get("bicubic_psnr") is not None and scores["psnr"] < scores["bicubic_psnr"]:
            text += ("<p><i>This model still scores below a plain bicubic enlargement: train for "
                     "more steps, or start from a trained base model.</i></p>")
    return text
