"""The fine-tune wizard: photos -> goal and time -> training -> result; a model lands in the user's library.

    wizard = FineTuneWizard(parent=main_window)
    wizard.model_created.connect(model_picker.refresh_and_select)   # receives the saved Path
    wizard.show()
    FineTuneWizard(parent, resume=record)    # a stored run (core.finetune.runs), carried on from its record

Closing asks one question, whichever way it comes (the wizard's Cancel or close button, the main
window closing, the app quitting): while training runs, "Stop training?"; after it, with the
result not saved, "Keep or discard?". Once answered, the other ways of closing that follow do
not ask again. Training stops at a clean step with a checkpoint written: closing the wizard keeps
the run ("kept"); the app quitting leaves it "interrupted", which the next start offers to resume.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from core.finetune.recipe import PHOTO_CONDITIONS, FineTuneChoices
from core.finetune.runs import RunError, RunRecord, delete_run, mark, read_run
from srgan_desktop.finetune.finish_page import FinishPage
from srgan_desktop.finetune.goal_page import GoalPage, device_words
from srgan_desktop.finetune.photos_page import PhotosPage
from srgan_desktop.finetune.session import FineTuneSession
from srgan_desktop.finetune.training_page import TrainingPage
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.screen_fit import fit_to_screen

PHOTOS, GOAL, TRAINING, FINISH = range(4)


class FineTuneWizard(QWizard):
    """Train the model on the user's own photos; emits `model_created(Path)` once it is saved."""

    model_created = Signal(object)

    def __init__(self, parent: QWidget | None = None, train_overrides: dict[str, Any] | None = None,
                 resume: RunRecord | None = None, settings: AppSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-Tune on My Photos")
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        fit_to_screen(self, QSize(1120, 780))
        settings = settings or AppSettings()
        self.session = FineTuneSession(train_overrides=dict(train_overrides or {}))
        self._close_answered = False
        self.photos_page = PhotosPage(self.session, settings)
        self.goal_page = GoalPage(self.session, settings, base_model=settings.model)
        self.training_page = TrainingPage(self.session)
        self.finish_page = FinishPage(self.session)
        for page_id, page in ((PHOTOS, self.photos_page), (GOAL, self.goal_page),
                              (TRAINING, self.training_page), (FINISH, self.finish_page)):
            self.setPage(page_id, page)
        if resume is not None:
            self._prepare_resume(resume)
        if parent is not None:
            parent.installEventFilter(self)  # closing the main window asks while training runs
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_quitting)

    def _prepare_resume(self, record: RunRecord) -> None:
        """Open on the training page, carrying on with `record` (ValueError for a damaged record)."""
        config = record.train_config()
        self.session.resume = record
        self.session.base_title = record.base_title
        self.session.choices = FineTuneChoices(
            data_dir=config.data_dir, base_model=Path(record.base_model) if record.base_model else None,
            mode=record.mode, held_out=config.val_files, device=config.device, precision=config.precision,
            seed=config.seed, vgg_weights=config.vgg_weights, photos=_known_photos(record.photos))
        self.session.device_words = device_words(config.device)
        self.setStartId(TRAINING)

    # -- closing --------------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        if result == QWizard.DialogCode.Accepted:
            self._close_answered = True
            super().done(result)
            if self.session.saved_model is not None:
                self.model_created.emit(self.session.saved_model)
            return
        if not self.may_close(app_quitting=False):
            return
        self._cleanup()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.may_close(app_quitting=False):
            self._cleanup()
            event.accept()
        else:
            event.ignore()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The main window is closing, so the app quits: ask (once), then stop at a checkpoint."""
        if watched is self.parent() and event.type() == QEvent.Type.Close and not self.may_close(app_quitting=True):
            event.ignore()
            return True  # the main window stays open
        return super().eventFilter(watched, event)

    def may_close(self, app_quitting: bool) -> bool:
        """The one question before closing (see the module doc); True when closing may go on.

        The answer holds for every way of closing that follows, so the user is asked once."""
        if self._close_answered:
            return True
        if self.training_page.running:
            if not self.ask_stop_training(app_quitting):
                return False
            self._close_answered = True
            self.training_page.stop_for_close(keep=not app_quitting)
            return True
        if not app_quitting and self.session.outcome is not None and self.session.saved_model is None:
            answer = self.ask_keep_or_discard()
            if answer == "cancel":
                return False
            run = self.session.run
            if run is not None and answer == "discard":
                delete_run(run)
            elif run is not None:
                _keep(run.id)
        self._close_answered = True     # the app quitting keeps a trained run as it is: "kept", listed
        return True

    def ask_stop_training(self, app_quitting: bool) -> bool:
        where = ("the next time you start SRGAN Desktop it offers to resume it" if app_quitting else
                 "the run is kept in Tools \u203a Fine-Tunes, where you can resume or finish it")
        answer = QMessageBox.question(
            self, "Stop training?",
            f"Training is still running. Stop it now? A checkpoint is written first, and {where}.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_keep_or_discard(self) -> str:
        """"keep" (resume or save later, from Tools › Fine-Tunes), "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Close without saving?",
                          "The trained model has not been saved yet.", parent=self)
        box.setInformativeText("Keep the run to resume or save it later from Tools \u203a Fine-Tunes, "
                               "or discard it?")
        keep = box.addButton("Keep for Later", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "discard" if clicked is discard else "keep" if clicked is keep else "cancel"

    def _cleanup(self) -> None:
        self.photos_page.cleanup()
        self.goal_page.cleanup()

    def _on_app_quitting(self) -> None:
        """The app is quitting: training (asked about already, if it ran) stops at a clean checkpoint."""
        self._close_answered = True
        if self.training_page.running:
            self.training_page.stop_for_close(keep=False)
        self._cleanup()


def _keep(run_id: str) -> None:
    """The user chose "Keep for Later": the run's record says so (unless it already ended otherwise)."""
    try:
        run = read_run(run_id)
    except RunError:
        return
    if run.state == "interrupted":
        mark(run, "kept")


def _known_photos(value: object) -> str:
    """The photo condition a kept run recorded ("clean" for runs older than the question)."""
    return value if isinstance(value, str) and value in PHOTO_CONDITIONS else "clean"

