"""At start-up: offer to resume a fine-tune that was interrupted when the app closed.

    from srgan_desktop.finetune.resume import offer_resume
    wizard = offer_resume(main_window)          # None when nothing to resume or the user declines
    if wizard is not None:
        wizard.model_created.connect(main_window.model_picker.refresh)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from core.finetune.runs import latest_resumable
from srgan_desktop.finetune.wizard import FineTuneWizard


def resume_question(parent: QWidget | None) -> QMessageBox:
    """The question box (separate so tests can answer it without a modal loop)."""
    record = latest_resumable()
    folder = Path(record.photo_folder).name if record else ""
    started = record.created.replace("T", " ") if record else ""
    box = QMessageBox(QMessageBox.Icon.Question, "Resume fine-tuning?",
                      "A fine-tune was interrupted when SRGAN Desktop closed.", parent=parent)
    steps = record.total_steps if record else 0
    reached = (f" It had reached step {record.last_step:,} of {steps:,}."
               if record and record.last_step and steps else "")
    box.setInformativeText(f"Photos: {folder or 'unknown folder'}, started {started}.{reached} "
                           "Resume it from its last checkpoint?")
    box.resume_button = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
    box.discard_button = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.later_button = box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(box.resume_button)
    return box


def offer_resume(parent: QWidget | None = None,
                 on_model_created: Callable[[Path], None] | None = None,
                 ask: Callable[[QMessageBox], None] = QMessageBox.exec) -> FineTuneWizard | None:
    """Ask the user; on Resume open and return the wizard continuing the run."""
    if not FineTuneWizard.has_interrupted_run():
        return None
    box = resume_question(parent)
    ask(box)
    clicked = box.clickedButton()
    if clicked is box.discard_button:
        FineTuneWizard.discard_interrupted_run()
        return None
    if clicked is not box.resume_button:
        return None
    wizard = FineTuneWizard.resume_interrupted(parent)
    if on_model_created is not None:
        wizard.model_created.connect(on_model_created)
    wizard.show()
    return wizard
