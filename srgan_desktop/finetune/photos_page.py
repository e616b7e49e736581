"""Wizard page 1: choose the photo folder; it is scanned in the background and summarised.

The page opens on the last folder a scan found usable (remembered in the app's settings) and
scans it again at once, so a user training on the same photos again only presses Next.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from core.common.events import Cancelled
from core.finetune.photos import RECOMMENDED_PHOTOS, PhotoSummary, scan_photos
from srgan_desktop.background import Job, WorkFailed, async_slot, run_in_background
from srgan_desktop.finetune.preview import array_to_qimage
from srgan_desktop.finetune.session import FineTuneSession
from srgan_desktop.settings import AppSettings

WARNING_STYLE = ("QLabel { background: #fff4ce; color: #5c4400; border: 1px solid #e8c964;"
                 " border-radius: 4px; padding: 6px; }")
MAX_NAMES_SHOWN = 5
TIP_TEXT = ("Use the photos as they are, at full resolution: the wizard makes the low-resolution "
            "versions itself by shrinking them 4x, and learns to undo that. JPEG, PNG, WebP, BMP and "
            "TIFF files are read; sub-folders are included.")


class PhotosPage(QWizardPage):
    """Folder picker, scan summary, skipped files with reasons and the held-out photos."""

    def __init__(self, session: FineTuneSession, settings: AppSettings, parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self._settings = settings
        self._job: Job | None = None
        self._scan_progress = (0, 0)
        self._scan_id = 0
        self._progress_timer = QTimer(self, interval=100)
        self._progress_timer.timeout.connect(self._on_progress_tick)
        self.setTitle("Your photos")
        self.setSubTitle("Choose a folder of photos like the ones you want to enlarge. The model learns "
                         f"their look; {RECOMMENDED_PHOTOS} or more photos work best.")
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Folder with your photos (sub-folders are included)")
        self.folder_edit.returnPressed.connect(self._on_folder_typed)
        self.browse_button = QPushButton("Choose Folder\u2026")
        self.browse_button.clicked.connect(self._on_browse)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.summary_label = QLabel("No folder chosen yet.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary_label)
        self.held_out_row = QHBoxLayout()
        self.held_out_row.setSpacing(8)
        layout.addLayout(self.held_out_row)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.warning_label.hide()
        layout.addWidget(self.warning_label)
        self.skipped_heading = QLabel()
        layout.addWidget(self.skipped_heading)
        self.skipped_list = QTreeWidget()
        self.skipped_list.setHeaderLabels(["File", "Why it was skipped"])
        self.skipped_list.setRootIsDecorated(False)
        self.skipped_list.setAlternatingRowColors(True)
        self.skipped_list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped_list.setMaximumHeight(220)
        layout.addWidget(self.skipped_list)
        self.skipped_heading.hide()
        self.skipped_list.hide()
        layout.addStretch(1)
        tip = QLabel(TIP_TEXT)
        tip.setWordWrap(True)
        tip.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(tip)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        """The first visit opens on the last folder trained on, when it is still there."""
        last = self._settings.finetune_folder
        if self._session.summary is None and self._job is None and last is not None and last.is_dir():
            self.folder_edit.setText(str(last))
            self.scan(last)

    # -- public ---------------------------------------------------------------------------------
    @async_slot()
    async def scan(self, folder: Path) -> None:
        """Scan `folder` in the background; the page completes when usable photos are found."""
        if self._job is not None:
            self._job.cancel()           # a new folder replaces the scan under way
        folder = Path(folder).expanduser()
        self.folder_edit.setText(str(folder))
        self._session.summary = None
        name = _escape(folder.name or str(folder))
        self.summary_label.setText(f"Looking at the photos in <b>{name}</b>\u2026")
        self.warning_label.hide()
        self.skipped_list.clear()
        self._show_held_out(PhotoSummary(folder, (), ()))
        self.skipped_heading.hide()
        self.skipped_list.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        seed = self._session.choices.seed if self._session.choices else 0
        self._scan_progress = (0, 0)
        self._scan_id += 1
        scan_id = self._scan_id

        def note_progress(done: int, total: int) -> None:
            if scan_id == self._scan_id:  # a replaced scan no longer reports
                self._scan_progress = (done, total)  # read by the 100 ms timer on the GUI thread

        job = run_in_background(lambda control: scan_photos(folder, seed=seed, control=control,
                                                             progress=note_progress))
        self._job = job
        self._progress_timer.start()
        self.completeChanged.emit()
        summary = None
        try:
            summary = await job
        except Cancelled:
            pass
        except WorkFailed as failure:
            if self._job is job:
                self.summary_label.setText(f"Could not read this folder: {_escape(failure.message)}")
        if self._job is not job:
            return                       # a newer scan replaced this one
        self._job = None
        self._progress_timer.stop()
        self.progress.hide()
        if summary is not None:
            self._show_summary(summary)
        self.completeChanged.emit()

    @property
    def scanning(self) -> bool:
        return self._job is not None

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        summary = self._session.summary
        return self._job is None and summary is not None and summary.can_train

    def cleanup(self) -> None:
        """Stop a scan still running (the wizard is closing)."""
        if self._job is not None:
            self._job.stop()

    # -- slots ----------------------------------------------------------------------------------
    def _on_browse(self) -> None:
        last = self._settings.finetune_folder
        start = self.folder_edit.text() or (str(last) if last is not None else str(Path.home()))
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder with your photos", start)
        if folder:
            self.scan(Path(folder))

    def _on_folder_typed(self) -> None:
        if self.folder_edit.text().strip():
            self.scan(Path(self.folder_edit.text().strip()))

    def _on_progress_tick(self) -> None:
        done, total = self._scan_progress
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.summary_label.setText(f"Checking the photos\u2026 {done:,} of {total:,}")

    def _show_summary(self, summary: PhotoSummary) -> None:
        self._session.summary = summary
        if summary.can_train:
            self._settings.finetune_folder = summary.folder
        self.summary_label.setText(_summary_html(summary))
        self.warning_label.setText(summary.warning)
        self.warning_label.setVisible(bool(summary.warning))
        self._show_skipped(summary)
        self._show_held_out(summary)

    def _show_held_out(self, summary: PhotoSummary) -> None:
        """Thumbnails of the held-out photos, so the user sees what progress is measured on."""
        while self.held_out_row.count():
            item = self.held_out_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for path in summary.validation:
            pixels = summary.thumbnails.get(path)
            if pixels is None:
                continue
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(array_to_qimage(pixels.astype(np.float32) / 255.0)))
            label.setToolTip(f"Held out: {path.name}")
            label.setStyleSheet("border: 1px solid palette(mid);")
            self.held_out_row.addWidget(label)
        self.held_out_row.addStretch(1)

    def _show_skipped(self, summary: PhotoSummary) -> None:
        self.skipped_list.clear()
        for path, reason in summary.skipped:
            item = QTreeWidgetItem([_relative(path, summary.folder), reason])
            item.setToolTip(0, str(path))
            self.skipped_list.addTopLevelItem(item)
        groups = ", ".join(f"{count} {group}" for group, count in summary.skip_reasons())
        self.skipped_heading.setText(f"<b>Skipped {len(summary.skipped)}:</b> {_escape(groups)}")
        self.skipped_heading.setVisible(bool(summary.skipped))
        self.skipped_list.setVisible(bool(summary.skipped))


def _summary_html(summary: PhotoSummary) -> str:
    count = len(summary.usable)
    if count == 0:
        return f"<b>No usable photos</b> in {_escape(str(summary.folder))}."
    noun = "photo" if count == 1 else "photos"
    text = f"<b>{count} usable {noun}</b>"
    if summary.size_text():
        text += f", {summary.size_text()}"
    text += "."
    if summary.validation:
        names = [_relative(p, summary.folder) for p in summary.validation[:MAX_NAMES_SHOWN]]
        more = len(summary.validation) - len(names)
        listed = ", ".join(_escape(n) for n in names) + (f" and {more} more" if more > 0 else "")
        text += (f"<br>{len(summary.training)} will be trained on; {len(summary.validation)} "
                 f"held out to measure progress and never trained on: <i>{listed}</i>.")
    return text


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(Path(path).relative_to(folder))
    except ValueError:
        return Path(path).name


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
