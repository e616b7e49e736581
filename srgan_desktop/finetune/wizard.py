"""The fine-tune wizard: photos -> goal -> training -> name; the model lands in the user's library.

    wizard = FineTuneWizard(parent=main_window)
    wizard.model_created.connect(model_picker.refresh_and_select)   # receives the saved Path
    wizard.show()

At start-up the app asks `FineTuneWizard.has_interrupted_run()`; when True it may open
`FineTuneWizard.resume_interrupted(parent)` (or call `finetune_resume.offer_resume`, which
asks the user first). Closing the wizard or the app mid-training asks, then stops at a clean
step boundary with a checkpoint written, so the run can be resumed at the next start. Every
run is in the runs store (`core.finetune.runs`); "interrupted" is the newest interrupted one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from core.finetune.recipe import PHOTO_CONDITIONS
from core.finetune.runs import RunError, delete_run, latest_resumable, mark, read_run
from srgan_desktop.finetune.finish_page import FinishPage
from srgan_desktop.finetune.goal_page import GoalPage
from srgan_desktop.finetune.photos_page import PhotosPage
from srgan_desktop.finetune.session import FineTuneSession
from srgan_desktop.finetune.training_page import TrainingPage
from srgan_desktop.settings import AppSettings

PHOTOS, GOAL, TRAINING, FINISH = range(4)


class FineTuneWizard(QWizard):
    """Train the model on the user's own photos; emits `model_created(Path)` once it is saved."""

    model_created = Signal(object)

    def __init__(self, parent: QWidget | None = None, train_overrides: dict[str, Any] | None = None,
                 resume: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-Tune on My Photos")
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self.resize(1120, 780)
        self.session = FineTuneSession(train_overrides=dict(train_overrides or {}))
        device, base_model = _app_preferences()
        self.photos_page = PhotosPage(self.session)
        self.goal_page = GoalPage(self.session, device=device, base_model=base_model)
        self.training_page = TrainingPage(self.session)
        self.finish_page = FinishPage(self.session)
        for page_id, page in ((PHOTOS, self.photos_page), (GOAL, self.goal_page),
                              (TRAINING, self.training_page), (FINISH, self.finish_page)):
            self.setPage(page_id, page)
        if resume:
            self._prepare_resume()
        if parent is not None:
            parent.installEventFilter(self)  # closing the main window asks while training runs
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_quitting)

    # -- resume API (used by the app at start-up) ---------------------------------------------------
    @staticmethod
    def has_interrupted_run() -> bool:
        """True when an earlier fine-tune was closed mid-training and can be resumed."""
        return latest_resumable() is not None

    @staticmethod
    def discard_interrupted_run() -> None:
        """Delete the newest interrupted run (its record and checkpoints)."""
        run = latest_resumable()
        if run is not None:
            delete_run(run)

    @classmethod
    def resume_interrupted(cls, parent: QWidget | None = None,
                           train_overrides: dict[str, Any] | None = None) -> FineTuneWizard:
        """A wizard that opens on the training page and continues the interrupted run."""
        return cls(parent, train_overrides=train_overrides, resume=True)

    def _prepare_resume(self) -> None:
        record = latest_resumable()
        if record is None:
            return
        from core.finetune.recipe import FineTuneChoices
        config = record.train_config()
        self.session.resume = record
        self.session.base_title = record.base_title
        self.session.choices = FineTuneChoices(
            data_dir=config.data_dir, base_model=Path(record.base_model) if record.base_model else None,
            mode=record.mode, held_out=config.val_files, device=config.device, precision=config.precision,
            seed=config.seed, vgg_weights=config.vgg_weights, photos=_known_photos(record.photos))
        self.setStartId(TRAINING)

    # -- closing --------------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        if result == QWizard.DialogCode.Accepted:
            super().done(result)
            if self.session.saved_model is not None:
                self.model_created.emit(self.session.saved_model)
            return
        if not self._confirm_close():
            return
        self._cleanup()
        super().done(result)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The main window is closing (the app quits) while training runs: ask, then checkpoint."""
        if (watched is self.parent() and event.type() == QEvent.Type.Close
                and self.training_page.running):
            if not self.ask_stop_training():
                event.ignore()
                return True  # the main window stays open
            self.training_page.stop_for_close()
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._confirm_close():
            self._cleanup()
            event.accept()
        else:
            event.ignore()

    def _confirm_close(self) -> bool:
        """Ask before throwing away a running or finished-but-unsaved fine-tune."""
        if self.training_page.running:
            if not self.ask_stop_training():
                return False
            self.training_page.stop_for_close()
            return True
        if self.session.outcome is not None and self.session.saved_model is None:
            answer = self.ask_keep_or_discard()
            run = self.session.run
            if run is not None and answer == "discard":
                delete_run(run)
            elif run is not None and answer == "keep":
                _keep(run.id)
            return answer != "cancel"
        return True

    def ask_stop_training(self) -> bool:
        answer = QMessageBox.question(
            self, "Stop training?",
            "Training is still running. Stop it now? A checkpoint is written first, and the next "
            "time you start SRGAN Desktop it offers to resume from there.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_keep_or_discard(self) -> str:
        """"keep" (resume or save next time), "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Close without saving?",
                          "The trained model has not been saved yet.", parent=self)
        box.setInformativeText("Keep it to resume or save next time, or discard it?")
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
        """The app is quitting with training running: stop cleanly so the checkpoint is complete."""
        if self.training_page.running:
            self.training_page.stop_for_close()
        self._cleanup()


def _app_preferences() -> tuple[str, Path | None]:
    """The device and model the user picked in the main window (shared settings), if any."""
    settings = AppSettings()
    return settings.device, settings.model


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
