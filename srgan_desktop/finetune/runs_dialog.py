"""Tools › Fine-Tunes: every fine-tune run (`core.finetune.runs`), what became of it, and what can
still be done with it.

One row per run: its name, photo folder, progress, best scores, start and state in words
(`RunRecord.status_text()`: interrupted, kept, finished). Resume opens the wizard on the run
(the main window does that: `resume_requested`); Finish exports its best result so far
(`core.finetune.finish.finish_run`, which says when there is no improvement and then exports
nothing); Delete removes its folder after asking. A record that cannot be read is listed greyed,
with why. The selected run's scoreboard is shown below the list.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.common.formatting import format_duration
from core.finetune.finish import NO_IMPROVEMENT, finish_run
from core.finetune.naming import name_problem, suggest_name
from core.finetune.runs import RunListing, RunRecord, delete_run, is_running, list_runs
from srgan_desktop.background import WorkFailed, async_slot, call_in_background
from srgan_desktop.finetune.scoreboard import Scoreboard
from srgan_desktop.widgets.screen_fit import fit_to_screen

COLUMNS = ("Name", "Photos", "Progress", "Best", "Started", "State")
ERROR_STYLE = "color: #b3261e;"
MUTED = "color: palette(placeholder-text);"


class RunsDialog(QDialog):
    """The list of runs with Resume, Finish and Delete; `model_created(Path)` when Finish saves one."""

    resume_requested = Signal(object)     # the RunRecord to carry on with
    model_created = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-Tunes")
        self.setWindowFlag(Qt.WindowType.Window)
        fit_to_screen(self, QSize(1280, 640))
        self.runs: list[RunRecord] = []
        self.damaged: list[tuple[Path, str]] = []
        self.loads = 0
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.empty_label = QLabel("No fine-tunes yet: Tools \u203a Fine-tune on My Photos starts one.")
        self.empty_label.setStyleSheet(MUTED)
        layout.addWidget(self.empty_label)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        header = self.tree.header()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.currentItemChanged.connect(self._on_selection_changed)
        layout.addWidget(self.tree, 2)
        details = QHBoxLayout()
        self.scoreboard = Scoreboard()
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details.addWidget(self.scoreboard)
        details.addWidget(self.details_label, 1)
        layout.addLayout(details, 3)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.resume_button = QPushButton("Resume")
        self.finish_button = QPushButton("Finish\u2026")
        self.delete_button = QPushButton("Delete\u2026")
        self.resume_button.setToolTip("Carry on training from the last checkpoint, in the wizard")
        self.finish_button.setToolTip("Save the best result so far as a model, and end the run")
        self.delete_button.setToolTip("Remove the run and its checkpoints")
        for button in (self.resume_button, self.finish_button, self.delete_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.resume_button.clicked.connect(self._on_resume)
        self.finish_button.clicked.connect(self._on_finish)
        self.delete_button.clicked.connect(self._on_delete)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_actions(None)

    # -- the list ----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()

    @async_slot()
    async def refresh(self, select: str | None = None) -> None:
        """Read the runs store again (in the background) and list it; `select` a run by id."""
        current = self.selected_run()
        try:
            listing = await call_in_background(list_runs)
        except WorkFailed as failure:
            self._say(f"Could not read the fine-tune runs: {failure.message}", error=True)
            return
        self._show_listing(listing, select or (current.id if current else None))
        self.loads += 1

    def _show_listing(self, listing: RunListing, select: str | None) -> None:
        self.runs, self.damaged = list(listing.runs), list(listing.damaged)
        self.tree.clear()
        for run in self.runs:
            item = QTreeWidgetItem([run.title or "(no name yet)", Path(run.photo_folder).name, _progress(run),
                                    _best(run), run.created.replace("T", " ")[:16], run.status_text()])
            item.setData(0, Qt.ItemDataRole.UserRole, run.id)
            item.setToolTip(1, run.photo_folder)
            item.setToolTip(5, run.status_text())
            self.tree.addTopLevelItem(item)
            if run.id == select:
                self.tree.setCurrentItem(item)
        for folder, reason in self.damaged:
            item = QTreeWidgetItem([folder.name, "", "", "", "", f"Cannot be read: {reason}"])
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)     # greyed: nothing can be done with it
            item.setToolTip(5, reason)
            self.tree.addTopLevelItem(item)
        self.empty_label.setVisible(not self.runs and not self.damaged)
        if self.tree.currentItem() is None and self.runs:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._show_actions(self.selected_run())

    def selected_run(self) -> RunRecord | None:
        item = self.tree.currentItem()
        run_id = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return next((r for r in self.runs if r.id == run_id), None)

    def select(self, run_id: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item.data(0, Qt.ItemDataRole.UserRole) == run_id:
                self.tree.setCurrentItem(item)

    # -- questions (separate, so tests can answer them) ----------------------------------------------
    def ask_name(self, run: RunRecord) -> str | None:
        """The new model's name, checked (`core.finetune.naming`); None when the user cancels."""
        title, problem = run.title or suggest_name(Path(run.photo_folder), run.mode), ""
        while True:
            prompt = (f"{problem}\n\n" if problem else "") + "Name of the new model in your library:"
            title, ok = QInputDialog.getText(self, "Finish the fine-tune", prompt, text=title)
            if not ok:
                return None
            problem = name_problem(title)
            if not problem:
                return title.strip()

    def confirm_finish_without_model(self, run: RunRecord) -> bool:
        later = " Or resume it to train longer." if run.resumable else ""
        answer = QMessageBox.question(
            self, "No improvement", f"{NO_IMPROVEMENT}\n\nFinish the run anyway? Nothing is saved, its "
            f"checkpoints are deleted and its scores stay in this list.{later}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def confirm_delete(self, run: RunRecord) -> bool:
        answer = QMessageBox.question(
            self, "Delete the run?", f"Delete {run.title or run.id} and its checkpoints? Its scores and "
            "charts go too; a model already saved from it stays in your library.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # -- slots -------------------------------------------------------------------------------------
    def _on_selection_changed(self) -> None:
        run = self.selected_run()
        self._show_actions(run)
        if run is None:
            self.scoreboard.setRowCount(0)
            self.details_label.clear()
            return
        self.scoreboard.show_run(run)
        reason = run.selection().reason if run.scoreboard else "No check of the held-out photos yet."
        base = run.base_title or ("an untrained network" if run.base_model is None else Path(run.base_model).stem)
        self.details_label.setText(f"<b>{escape(run.title or run.id)}</b><p>{escape(run.status_text())}</p>"
                                   f"<p>{escape(reason)}</p><p>Started from {escape(base)}; photos in "
                                   f"{escape(run.photo_folder)}.</p>")

    def _on_resume(self) -> None:
        run = self.selected_run()
        if run is not None and run.resumable and not is_running(run):
            self.resume_requested.emit(run)
            self.accept()

    def _on_finish(self) -> None:
        run = self.selected_run()
        if run is None or not run.finishable or is_running(run):
            return
        if run.selection().improved:
            title = self.ask_name(run)
        else:
            title = run.title if self.confirm_finish_without_model(run) else None
        if title is not None:
            self._finish(run, title)

    def _on_delete(self) -> None:
        run = self.selected_run()
        if run is not None and not is_running(run) and self.confirm_delete(run):
            self._delete(run)

    @async_slot()
    async def _finish(self, run: RunRecord, title: str) -> None:
        self._say("Saving\u2026")
        try:
            result = await call_in_background(finish_run, run, title)
        except WorkFailed as failure:
            self._say(f"Could not finish the run: {failure.message}", error=True)
        else:
            if result.model is None:
                self._say(f"{NO_IMPROVEMENT} {result.selection.reason}")
            else:
                self._say(f"Saved as \u201c{title}\u201d in your model library; the model picker lists it now.")
                self.model_created.emit(result.model)
        self.refresh(select=run.id)

    @async_slot()
    async def _delete(self, run: RunRecord) -> None:
        removed = await call_in_background(delete_run, run)
        self._say(f"Deleted {run.title or run.id}." if removed else
                  f"{run.title or run.id} could not be deleted now: {run.status_text()}", error=not removed)
        self.refresh()

    def _show_actions(self, run: RunRecord | None) -> None:
        busy = run is None or is_running(run)
        self.resume_button.setEnabled(not busy and run is not None and run.resumable)
        self.finish_button.setEnabled(not busy and run is not None and run.finishable)
        self.delete_button.setEnabled(not busy)

    def _say(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")


def _progress(run: RunRecord) -> str:
    text = f"{run.last_step:,} / {run.total_steps:,} steps"
    return f"{text}, {format_duration(run.seconds)}" if run.seconds else text


def _best(run: RunRecord) -> str:
    """The best scores so far in a few words."""
    if not run.scoreboard:
        return "\u2014"
    selection = run.selection()
    best, base = selection.best, run.base
    if not selection.improved or best is None:
        return "No gain over the base model"
    if run.mode == "realistic" and best.niqe is not None:
        return f"NIQE {best.niqe:.2f} at step {best.step:,}" + (f" (base {base.niqe:.2f})" if base and base.niqe
                                                                  else "")
    gain = f" ({best.psnr - base.psnr:+.2f} dB)" if base is not None else ""
    return f"{best.psnr:.2f} dB at step {best.step:,}{gain}"

