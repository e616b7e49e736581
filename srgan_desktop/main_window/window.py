"""The main window: drop images, watch them upscale, compare side by side, save.

Everything slow (decoding, the network, encoding the saved file) runs on a worker of
`srgan_desktop.background`; this module only wires widgets to the queue and shows outcomes. Every
failure ends as one line in the error banner, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QComboBox, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from core.common.events import DeviceChosen
from core.imageio.files import IMAGE_SUFFIXES, DecodedImage, ImageMetadata
from core.models.model_file import ModelFileError
from srgan_desktop.background import WorkFailed, async_slot, set_error_reporter
from srgan_desktop.batch.window import BatchWindow
from srgan_desktop.finetune.resume import offer_resume
from srgan_desktop.finetune.wizard import FineTuneWizard
from srgan_desktop.main_window.actions import build_actions, build_menus, build_toolbar
from srgan_desktop.main_window.dialogs import open_tool_window, shortcuts_text
from srgan_desktop.main_window.queue_panel import QueuePanel
from srgan_desktop.main_window.recent_files import RecentFilesMenu
from srgan_desktop.main_window.result_saver import ResultSaver
from srgan_desktop.main_window.run_options import NO_MODEL_MESSAGE, RunOptions
from srgan_desktop.main_window.save_dialog import SaveTarget
from srgan_desktop.main_window.status_panel import StatusPanel
from srgan_desktop.main_window.upscale_job import PreviewDone
from srgan_desktop.main_window.upscale_queue import QueueEntry, UpscaleQueue
from srgan_desktop.qt_image import qimage_to_arrays
from srgan_desktop.settings import AppSettings
from srgan_desktop.viewer.area import Viewer
from srgan_desktop.widgets.error_banner import ErrorBanner

IMAGE_FILTER = "Images ({})".format(" ".join(f"*{s}" for s in IMAGE_SUFFIXES))


class MainWindow(QMainWindow):
    """The window; it is the `WindowCommands` its actions trigger and the `QueueView` its queue tells."""

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.setWindowTitle("SRGAN Desktop")
        self.setAcceptDrops(True)
        self.viewer = Viewer()
        self.banner = ErrorBanner()
        self.run_options = RunOptions(self.settings, self)
        self.model_picker = self.run_options.model_picker
        self.device_picker = self.run_options.device_picker
        self.precision_box = self.run_options.precision_box
        self.tile_picker = self.run_options.tile_picker
        self.queue = UpscaleQueue(self.run_options.upscale_options, self, self)
        self.filter_box = QComboBox()
        self.filter_box.addItem("Original: bicubic", "bicubic")
        self.filter_box.addItem("Original: nearest", "nearest")
        self.filter_box.setToolTip("How the original is enlarged for comparison")
        self.recent_menu = RecentFilesMenu(self.settings, self)
        self.actions_ = build_actions(self, self, self.viewer)
        build_menus(self.menuBar(), self.actions_, self.recent_menu)
        self.addToolBar(build_toolbar(self.actions_, self.filter_box, [
            ("Model ", self.model_picker), ("  ", self.device_picker),
            ("  ", self.precision_box), ("  ", self.tile_picker)]))
        self.status = StatusPanel(self.statusBar(), self)
        self._build_central()
        self._shown_id: int | None = None
        self.saver = ResultSaver(self.settings, self)
        self._region_timer = QTimer(self, singleShot=True, interval=150)
        self._connect()
        self._restore_settings()
        set_error_reporter(self.banner.show_error)

    # -- construction -----------------------------------------------------------------------
    def _build_central(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.viewer, 1)
        self.setCentralWidget(central)
        self.queue_panel = QueuePanel(self.queue)
        self.queue_dock = QDockWidget("Queue", self)
        self.queue_dock.setObjectName("queueDock")
        self.queue_dock.setWidget(self.queue_panel)
        self.queue_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.queue_dock)
        self.queue_dock.hide()

    def _connect(self) -> None:
        self.queue.changed.connect(self._on_queue_changed)
        self.queue_panel.show_requested.connect(self.show_entry)
        self.recent_menu.open_requested.connect(lambda path: self.open_paths([path]))
        self.model_picker.model_changed.connect(self._on_model_changed)
        self.model_picker.problems_found.connect(self._on_model_problems)
        self.run_options.device_described.connect(self._on_device_described)
        self.filter_box.currentIndexChanged.connect(
            lambda _i: self.set_original_filter(self.filter_box.currentData()))
        self.viewer.cursor_moved.connect(self._on_cursor_moved)
        self.viewer.controller.changed.connect(self._on_view_changed)
        self._region_timer.timeout.connect(self._post_visible_region)

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        self.run_options.restore()
        self.set_viewer_mode(s.viewer_mode)
        self.set_original_filter(s.original_filter)
        self.status.set_zoom(self.viewer.controller.scale)
        self.status.set_idle("Ready \u2014 drop images, paste one (Ctrl+V) or open files (Ctrl+O)")
        if self.model_picker.current_path() is None:
            self.banner.show_notice(NO_MODEL_MESSAGE)
        self.run_options.changed.connect(self.queue.preload)
        QTimer.singleShot(0, self.queue.preload)

    # -- opening ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Open images", str(self.settings.open_dir),
                                                f"{IMAGE_FILTER};;All files (*)")
        self.open_paths([Path(n) for n in names])

    def open_paths(self, paths: list[Path]) -> None:
        """Queue each file for upscaling (folders are refused with a pointer to batch mode)."""
        files = []
        for path in map(Path, paths):
            if path.is_dir():
                self.banner.show_error(f"{path.name} is a folder: use Tools > Batch Process Folders (Ctrl+B)")
            else:
                files.append(path)
        if files and self.banner.level == "error":
            self.banner.dismiss()   # a fresh attempt: the old failure is no longer news
        for path in files:
            self.queue.add(path, path.name)
            if path.exists():
                self.recent_menu.add(path)
                self.settings.open_dir = path.resolve().parent

    def paste(self) -> None:
        data = QGuiApplication.clipboard().mimeData()
        if data is not None and data.hasUrls():
            local = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]
            if local:
                self.open_paths(local)
                return
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.banner.show_notice("The clipboard holds no image to upscale.")
            return
        color, alpha = qimage_to_arrays(image)
        decoded = DecodedImage(color, alpha, False, 8, ImageMetadata(source_format="PNG"))
        self.queue.add(decoded, "pasted image.png")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        data = event.mimeData()
        if data.hasUrls() or data.hasImage():
            count = len(data.urls()) or 1
            self.statusBar().showMessage(f"Release to upscale {count} image{'s' if count > 1 else ''}")
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.statusBar().clearMessage()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.statusBar().clearMessage()
        data = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths)
        elif data.hasImage():
            color, alpha = qimage_to_arrays(data.imageData())
            self.queue.add(DecodedImage(color, alpha, False, 8, ImageMetadata(source_format="PNG")),
                           "dropped image.png")
        event.acceptProposedAction()

    # -- the queue's news (QueueView) ----------------------------------------------------------------
    def _on_queue_changed(self) -> None:
        if len(self.queue.entries) > 1 and not self.queue_dock.isVisible():
            self.queue_dock.show()
            self.resizeDocks([self.queue_dock], [220], Qt.Orientation.Horizontal)
        self.actions_.cancel.setEnabled(self.queue.running)

    def job_started(self, entry: QueueEntry) -> None:
        self.status.set_busy(f"Starting {entry.label}…")

    def job_stage(self, text: str) -> None:
        self.status.set_busy(text)

    def notice(self, text: str) -> None:
        self.banner.show_notice(text)

    def device_used(self, event: DeviceChosen) -> None:
        self.status.set_device(f"{event.description} \u00b7 {event.precision}", used=True)
        if event.notice:
            self.banner.show_notice(event.notice)

    def source_ready(self, entry: QueueEntry) -> None:
        ready = entry.ready
        self._shown_id = entry.id
        self.viewer.images.set_original(ready.original, ready.bicubic, ready.scale)
        self.setWindowTitle(f"{entry.label} \u2014 SRGAN Desktop")
        self._update_save_actions()
        self.status.set_busy(f"Upscaling {entry.label} \u2014 the area in view comes first…")
        QTimer.singleShot(0, self._post_visible_region)   # after the layout settled: preview first

    def _on_view_changed(self) -> None:
        self.status.set_zoom(self.viewer.controller.scale)
        current = self.queue.current
        if current is not None and current.id == self._shown_id and current.result is None:
            self._region_timer.start()

    def _post_visible_region(self) -> None:
        current = self.queue.current
        if current is None or current.id != self._shown_id or current.ready is None:
            return
        self.queue.regions.post(self.viewer.visible_source_box())   # the worker cuts it to its budget

    def preview_ready(self, event: PreviewDone) -> None:
        current = self.queue.current
        if current is not None and current.id == self._shown_id:
            self.viewer.show_preview(event.box, event.image)

    def job_progress(self, fraction: float, eta: float | None) -> None:
        current = self.queue.current
        self.status.set_progress(current.label if current else "", fraction, eta)
        self.queue_panel.show_progress()

    def job_finished(self, entry: QueueEntry) -> None:
        if entry.id == self._shown_id:
            self.viewer.images.set_result(entry.result.image)
        self._update_save_actions()
        r = entry.result.result
        self.status.set_idle(f"{entry.label}: {r.width}\u00d7{r.height} in {entry.result.seconds:.1f} s "
                             "\u2014 Ctrl+S to save")

    def job_failed(self, entry: QueueEntry, message: str) -> None:
        text = message if entry.label in message else f"{entry.label}: {message}"
        self.banner.show_error(text)
        if entry.id == self._shown_id and entry.ready is None:
            self._show_nothing()
        self.status.set_idle(f"Could not upscale {entry.label}")

    def queue_idle(self) -> None:
        self.actions_.cancel.setEnabled(False)
        if self.status.progress.isVisible():
            self.status.set_idle("Stopped")

    def cancel(self) -> None:
        if self.queue.running:
            shown = self.queue.current
            self.queue.cancel_all()
            if shown is not None and shown.id == self._shown_id:
                self.viewer.images.set_result(None)
            self.status.set_idle("Cancelled \u2014 nothing was written")

    def show_entry(self, entry_id: int) -> None:
        entry = self.queue.entry(entry_id)
        if entry is None or entry.ready is None:
            return
        self._shown_id = entry.id
        self.viewer.images.set_original(entry.ready.original, entry.ready.bicubic, entry.ready.scale)
        if entry.result is not None:
            self.viewer.images.set_result(entry.result.image)
        self.setWindowTitle(f"{entry.label} \u2014 SRGAN Desktop")
        self._update_save_actions()

    def _show_nothing(self) -> None:
        self._shown_id = None
        self.viewer.images.clear()
        self.viewer.set_mode(self.viewer.mode)
        self.setWindowTitle("SRGAN Desktop")
        self._update_save_actions()

    # -- saving -------------------------------------------------------------------------------------
    def shown_entry(self) -> QueueEntry | None:
        return self.queue.entry(self._shown_id) if self._shown_id is not None else None

    def _update_save_actions(self) -> None:
        entry = self.shown_entry()
        ready = entry is not None and entry.result is not None
        self.actions_.save.setEnabled(ready)
        self.actions_.save_as.setEnabled(ready)
        self.actions_.copy.setEnabled(ready)

    def copy_result(self) -> None:
        entry = self.shown_entry()
        if entry is not None and entry.result is not None:
            QGuiApplication.clipboard().setImage(entry.result.image)
            self.status.set_idle(f"Copied the {entry.result.image.width()}\u00d7"
                                 f"{entry.result.image.height()} result to the clipboard")

    @async_slot()
    async def save(self) -> None:
        """Save again where the shown result went last; the first time, ask (Save As)."""
        entry = self.shown_entry()
        if entry is not None and entry.result is not None:
            await self._write(entry, self.saver.save_target(entry))

    @async_slot()
    async def save_as(self) -> None:
        entry = self.shown_entry()
        if entry is not None and entry.result is not None:
            await self._write(entry, self.saver.ask_target(entry))

    @async_slot()
    async def save_result_to(self, path: Path, fmt: str | None = None, quality: int = 95) -> None:
        """Write the shown result to `path` on a worker (never onto the source image)."""
        entry = self.shown_entry()
        if entry is not None and entry.result is not None:
            await self._write(entry, SaveTarget(Path(path), fmt, quality))

    async def _write(self, entry: QueueEntry, target: SaveTarget | None) -> None:
        if target is None:
            return                                       # the user cancelled the dialog
        refusal = self.saver.refusal(entry, target.path)
        if refusal is not None:
            self.banner.show_error(refusal)
            return
        self.status.set_busy(f"Saving {target.path.name}…")
        try:
            written = await self.saver.write(entry, target)
        except WorkFailed as failure:
            self.banner.show_error(f"Could not save: {failure.message}")
            return
        self.status.set_idle(f"Saved {written}")

    # -- settings-backed choices -------------------------------------------------------------------
    def set_viewer_mode(self, mode: str) -> None:
        self.viewer.set_mode(mode)
        self.settings.viewer_mode = mode
        (self.actions_.side_by_side if mode == "side" else self.actions_.split).setChecked(True)

    def set_original_filter(self, name: str) -> None:
        self.viewer.images.set_filter(name)
        self.settings.original_filter = name
        (self.actions_.nearest if name == "nearest" else self.actions_.bicubic).setChecked(True)
        self.filter_box.blockSignals(True)
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData(name)))
        self.filter_box.blockSignals(False)

    def set_zoom(self, scale: float) -> None:
        self.viewer.set_zoom(scale)

    def _on_model_changed(self, path: Path | None) -> None:
        if path is not None and self.banner.label.text() == NO_MODEL_MESSAGE:
            self.banner.dismiss()

    def _on_model_problems(self, problems: list) -> None:
        path, reason = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        self.banner.show_notice(f"Model {Path(path).name} was skipped: {reason}{more}")

    def _on_device_described(self, text: str, notice: str) -> None:
        self.status.set_device(text, used=False)
        if notice:
            self.banner.show_notice(notice)

    def _on_cursor_moved(self, point: QPointF | None) -> None:
        size = self.viewer.images.size
        self.status.set_cursor(point, size.width(), size.height(), self.viewer.images.scale)

    def open_model_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Use a model file", str(self.settings.open_dir),
                                              "SRGAN Desktop models (*.safetensors)")
        if name:
            try:
                self.model_picker.add_file(Path(name))
            except ModelFileError as exc:
                self.banner.show_error(str(exc))

    def reload_models(self) -> None:
        self.queue.forget_models()
        self.model_picker.refresh()

    # -- other windows and dialogs -----------------------------------------------------------------
    def offer_finetune_resume(self) -> None:
        """At start-up: a fine-tune closed mid-training may be continued (the wizard asks)."""
        try:
            offer_resume(self, on_model_created=self.model_picker.refresh_and_select)
        except Exception as exc:  # noqa: BLE001 - never block the start of the app
            self.banner.show_notice(f"Could not offer to resume the interrupted fine-tune: {exc}")

    def open_batch_window(self) -> None:
        open_tool_window(self, lambda parent: BatchWindow(parent), "Batch processing", self.banner.show_error)

    def open_finetune_wizard(self) -> None:
        wizard = open_tool_window(self, lambda parent: FineTuneWizard(parent), "The fine-tune wizard",
                                  self.banner.show_error)
        if wizard is not None:
            wizard.model_created.connect(self.model_picker.refresh_and_select)

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", shortcuts_text(self))

    def show_about(self) -> None:
        QMessageBox.about(self, "About SRGAN Desktop",
                          "SRGAN Desktop: 4\u00d7 photo super-resolution (SRResNet / SRGAN) on your own "
                          "computer. Nothing leaves your machine.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.queue.shutdown()
        self.saver.finish_writing()
        set_error_reporter(None)
        super().closeEvent(event)
