"""The main window: drop images, watch them upscale, compare side by side, save.

Everything slow (decoding, the network, encoding the saved file) runs on a worker of
`srgan_desktop.background`; this module only wires widgets to the queue and shows outcomes. Every
failure ends as one line in the error banner, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.common.events import DeviceChosen
from core.common.paths import sample_image
from core.finetune.runs import RunRecord
from core.imageio.files import IMAGE_SUFFIXES, DecodedImage, ImageMetadata
from core.inference.upscale import UpscaleOptions
from core.models.model_file import ModelFileError
from srgan_desktop.background import WorkFailed, async_slot, set_error_reporter
from srgan_desktop.batch.window import BatchWindow
from srgan_desktop.finetune.resume import offer_resume
from srgan_desktop.finetune.runs_dialog import RunsDialog
from srgan_desktop.finetune.wizard import FineTuneWizard
from srgan_desktop.main_window.actions import build_actions, build_menus, build_toolbar
from srgan_desktop.main_window.dialogs import open_tool_window, shortcuts_text
from srgan_desktop.main_window.model_advice import ModelAdvice
from srgan_desktop.main_window.queue_panel import QueuePanel
from srgan_desktop.main_window.recent_files import RecentFilesMenu
from srgan_desktop.main_window.result_extras import ResultExtras
from srgan_desktop.main_window.result_saver import ResultSaver
from srgan_desktop.main_window.save_dialog import SaveTarget
from srgan_desktop.main_window.settings_panel import SettingsPanel
from srgan_desktop.main_window.status_panel import StatusPanel, describe_entry
from srgan_desktop.main_window.upscale_job import PreviewDone
from srgan_desktop.main_window.upscale_queue import QueueEntry, UpscaleQueue
from srgan_desktop.qt_image import qimage_to_arrays
from srgan_desktop.settings import AppSettings
from srgan_desktop.viewer.area import Viewer
from srgan_desktop.widgets.error_banner import ErrorBanner
from srgan_desktop.widgets.screen_fit import fit_to_screen
from srgan_desktop.widgets.upscale_form import NO_MODEL_MESSAGE

IMAGE_FILTER = "Images ({})".format(" ".join(f"*{s}" for s in IMAGE_SUFFIXES))
ADVICE_MESSAGE_MS = 8000      # a pre-selected model is told over the status line this long, once


class MainWindow(QMainWindow):
    """The window; it is the `WindowCommands` its actions trigger and the `QueueView` its queue tells."""

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self._runs_dialog: RunsDialog | None = None
        self.setWindowTitle("SRGAN Desktop")
        self.setAcceptDrops(True)
        self.viewer = Viewer()
        self.banner = ErrorBanner()
        self.settings_panel = SettingsPanel(self.settings)
        self.form = self.settings_panel.form
        self.model_picker = self.form.model_picker
        self.detail = self.form.detail
        self.output_size = self.form.output_size
        self.device_picker = self.form.device_picker
        self.precision_box = self.form.precision_box
        self.tile_picker = self.form.tile_picker
        self.compare_picker = self.settings_panel.compare_picker
        self.queue = UpscaleQueue(self.form.upscale_options, self, self)
        self.extras = ResultExtras(self.viewer.images, self.queue.cache, self.shown_entry, self._compare_options,
                                   self.form.ends, self)
        self.filter_box = QComboBox()
        self.filter_box.addItem("Original: bicubic", "bicubic")
        self.filter_box.addItem("Original: nearest", "nearest")
        self.filter_box.setToolTip("How the original is enlarged for comparison")
        self.recent_menu = RecentFilesMenu(self.settings, self)
        self.actions_ = build_actions(self, self, self.viewer)
        self.addToolBar(build_toolbar(self.actions_, self.filter_box))
        self.status = StatusPanel(self.statusBar(), self)
        self._build_central()
        build_menus(self.menuBar(), self.actions_, self.recent_menu, (self.settings_dock.toggleViewAction(),))
        self._shown_id: int | None = None
        self.advice = ModelAdvice(self.form, lambda entry_id: entry_id == self._shown_id, self)
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
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.hide()
        layout.addWidget(self.legend)
        self.setCentralWidget(central)
        self.settings_dock = QDockWidget("Settings", self)
        self.settings_dock.setObjectName("settingsDock")
        self.settings_dock.setWidget(self.settings_panel)
        self.settings_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.settings_dock.toggleViewAction().setText("Settings &Panel")
        self.settings_dock.toggleViewAction().setShortcut("F9")
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.settings_dock)
        self.queue_panel = QueuePanel(self.queue)
        self.queue_dock = QDockWidget("Queue", self)
        self.queue_dock.setObjectName("queueDock")
        self.queue_dock.setWidget(self.queue_panel)
        self.queue_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.queue_dock)
        self.queue_dock.hide()

    def _connect(self) -> None:
        self.queue.changed.connect(self._on_queue_changed)
        self.queue_panel.show_requested.connect(self._on_entry_chosen)
        self.recent_menu.open_requested.connect(lambda path: self.open_paths([path]))
        self.model_picker.problems_found.connect(self._on_model_problems)
        self.advice.told.connect(lambda text: self.statusBar().showMessage(text, ADVICE_MESSAGE_MS))
        self.form.device_described.connect(self._on_device_described)
        self.form.used.connect(self.viewer.focus_image)
        self.filter_box.currentIndexChanged.connect(
            lambda _i: self.set_original_filter(self.filter_box.currentData()))
        self.filter_box.activated.connect(lambda _i: self.viewer.focus_image())
        self.compare_picker.activated.connect(lambda _i: self.viewer.focus_image())
        self.extras.legend_changed.connect(self._on_legend_changed)
        self.viewer.empty_state.sample_requested.connect(self.open_sample)
        self.viewer.cursor_moved.connect(self._on_cursor_moved)
        self.viewer.controller.changed.connect(self._on_view_changed)
        self._region_timer.timeout.connect(self._post_visible_region)

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            fit_to_screen(self)
        self.form.restore()
        self.compare_picker.refresh(select=s.compare_model or self.form.detail.partner_path())
        self.compare_picker.model_changed.connect(self._on_compare_model_changed)
        self.model_picker.model_changed.connect(self._on_model_changed)
        self.set_viewer_mode(s.viewer_mode)
        self.set_original_filter(s.original_filter)
        self.actions_.auto_save.setChecked(s.auto_save)
        self.status.set_zoom(self.viewer.controller.scale)
        self.status.set_idle("Ready \u2014 drop images, paste one (Ctrl+V) or open files (Ctrl+O)")
        if self.model_picker.current_path() is None:
            self.banner.show_notice(NO_MODEL_MESSAGE)
        self.form.changed.connect(self.queue.preload)
        self.form.changed.connect(self._on_options_changed)
        self.form.output_changed.connect(self._on_output_size_changed)
        QTimer.singleShot(0, self.queue.preload)
        QTimer.singleShot(0, self.viewer.focus_image)     # the keyboard starts on the image, not a box

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

    def open_sample(self) -> None:
        """The photo that comes with the app: a first look at what the models do."""
        path = sample_image()
        if path.exists():
            self.queue.add(path, path.name)       # not a file of the user's: no recent entry, no open folder
        else:
            self.banner.show_error("The sample image is missing from this installation; reinstall the app")

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
        self._update_save_actions()

    def job_started(self, entry: QueueEntry) -> None:
        again = entry.result is not None and entry.id == self._shown_id
        self.status.set_busy(f"Upscaling {entry.label} again with the new settings…" if again
                             else f"Starting {entry.label}…")

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
        images = self.viewer.images
        if entry.id == self._shown_id and entry.result is not None and not images.empty:
            images.begin_rerun(ready.model_name)          # same pixels: the old result stays under the previews
        else:
            self._shown_id = entry.id
            images.set_original(ready.original, ready.bicubic, ready.scale)
            images.set_result(None)
            images.result_label = ready.model_name
            self.setWindowTitle(f"{entry.label} \u2014 SRGAN Desktop")
            self.viewer.focus_image()
        self._update_save_actions()
        self.status.set_busy(f"Upscaling {entry.label} with {ready.model_name} \u2014 the area in view comes first…")
        QTimer.singleShot(0, self._post_visible_region)   # after the layout settled: preview first
        if ready.image is not None:
            self.advice.advise(entry.id, entry.path, ready.image.color)   # may pre-select another model

    def _on_view_changed(self) -> None:
        self.status.set_zoom(self.viewer.controller.scale)
        current = self.queue.current
        if current is not None and current.id == self._shown_id:
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
            self.viewer.images.set_result(entry.result.image, entry.result.model_name)
            self.extras.refresh(entry)
        self._update_save_actions()
        self.status.set_idle(describe_entry(entry, self.output_size.output_size()))
        if self.settings.auto_save and entry.path is not None:
            self._save_automatically(entry)

    def job_failed(self, entry: QueueEntry, message: str) -> None:
        text = message if entry.label in message else f"{entry.label}: {message}"
        self.banner.show_error(text)
        if entry.id == self._shown_id and entry.ready is None:
            self._show_nothing()
        elif entry.id == self._shown_id and entry.result is not None:
            self.viewer.images.set_result(entry.result.image, entry.result.model_name)   # the earlier result stays
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
                earlier = shown.result       # a cancelled re-run goes back to the result it replaced
                self.viewer.images.set_result(earlier.image if earlier else None,
                                              earlier.model_name if earlier else "")
            self.status.set_idle("Cancelled \u2014 nothing was written")

    def rerun(self) -> None:
        """Ctrl+R: upscale the shown image again with the current model and settings."""
        entry = self.shown_entry()
        if entry is not None and not self.queue.rerun(entry):
            self.status.set_idle(f"{entry.label} is no longer in memory: open it again to re-run it")

    def _on_options_changed(self) -> None:
        """A new model, detail, device, precision or tile: the shown image is upscaled again."""
        entry = self.shown_entry()
        if entry is not None and (entry.result is not None or entry is self.queue.current):
            self.queue.rerun(entry)

    def _on_output_size_changed(self) -> None:
        entry = self.shown_entry()
        if entry is not None and entry.result is not None and not self.queue.running:
            self.status.set_idle(describe_entry(entry, self.output_size.output_size()))

    def _on_entry_chosen(self, entry_id: int) -> None:
        self.show_entry(entry_id)
        self.viewer.focus_image()

    def show_entry(self, entry_id: int) -> None:
        entry = self.queue.entry(entry_id)
        if entry is None or entry.ready is None:
            return
        self._shown_id = entry.id
        self.viewer.images.set_original(entry.ready.original, entry.ready.bicubic, entry.ready.scale)
        if entry.result is not None:
            self.viewer.images.set_result(entry.result.image, entry.result.model_name)
        self.setWindowTitle(f"{entry.label} \u2014 SRGAN Desktop")
        self._update_save_actions()
        self.status.set_idle(describe_entry(entry, self.output_size.output_size()))
        self.extras.refresh(entry)
        self.advice.show_mark(entry.id)

    # -- compare two models, invented-detail map (ResultExtras) ---------------------------------
    def set_compare(self, on: bool) -> None:
        self.extras.set_compare(on)

    def set_overlay(self, on: bool) -> None:
        self.extras.set_overlay(on)

    def _compare_options(self) -> UpscaleOptions | None:
        model = self.compare_picker.current_path()
        return None if model is None else UpscaleOptions(model=str(model),
                                                         inference=self.settings.inference_options())

    def _on_compare_model_changed(self, path) -> None:
        self.settings.compare_model = path
        self.extras.compare_model_changed()

    def _on_legend_changed(self, text: str) -> None:
        self.legend.setText(text)
        self.legend.setVisible(bool(text))

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
        self.actions_.rerun.setEnabled(entry is not None and (entry.result is not None or entry.decoded is not None))

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
        if entry is None or entry.result is None:
            return
        saved = self.saver.already_saved(entry, self.output_size.output_size())
        if saved is not None:
            self.status.set_idle(f"Already saved to {saved}")
            return
        await self._write(entry, self.saver.save_target(entry))

    def set_auto_save(self, on: bool) -> None:
        self.settings.auto_save = on

    @async_slot()
    async def _save_automatically(self, entry: QueueEntry) -> None:
        await self._write(entry, self.saver.automatic_target(entry))

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
            written = await self.saver.write(entry, target, self.output_size.output_size())
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
        if path is not None and self.compare_picker.current_path() in (None, path):
            self.compare_picker.refresh(select=self.form.detail.partner_path())   # never a model against itself

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
        self.form.refresh_models()
        self.compare_picker.refresh()

    # -- other windows and dialogs -----------------------------------------------------------------
    def offer_finetune_resume(self) -> None:
        """At start-up: fine-tunes interrupted when the app last closed may be resumed (the user is asked)."""
        try:
            answer = offer_resume(self, settings=self.settings)
        except Exception as exc:  # noqa: BLE001 - never block the start of the app
            self.banner.show_notice(f"Could not offer to resume the interrupted fine-tune: {exc}")
            return
        if answer is not None:
            what, run = answer
            if what == "resume":
                self.open_finetune_wizard(resume=run)
            else:
                self.open_finetune_runs()

    def open_batch_window(self) -> None:
        open_tool_window(self, lambda parent: BatchWindow(parent, self.settings), "Batch processing",
                         self.banner.show_error)

    def open_finetune_wizard(self, resume: RunRecord | None = None) -> None:
        """The wizard: a new fine-tune, or carrying on with the stored run `resume`."""
        wizard = open_tool_window(self, lambda parent: FineTuneWizard(parent, resume=resume, settings=self.settings),
                                  "The fine-tune wizard", self.banner.show_error)
        if wizard is not None:
            wizard.model_created.connect(self._on_model_created)

    def open_finetune_runs(self) -> None:
        """Tools › Fine-Tunes: one list, brought to the front when it is open already."""
        if self._runs_dialog is None:
            dialog = open_tool_window(self, RunsDialog, "The list of fine-tunes", self.banner.show_error)
            if dialog is None:
                return
            dialog.resume_requested.connect(self._on_finetune_resume_requested)
            dialog.model_created.connect(self._on_model_created)
            self._runs_dialog = dialog
            return
        if self._runs_dialog.isVisible():
            self._runs_dialog.refresh()
        self._runs_dialog.show()
        self._runs_dialog.raise_()
        self._runs_dialog.activateWindow()

    def _on_finetune_resume_requested(self, run: RunRecord) -> None:
        self.open_finetune_wizard(resume=run)

    def _on_model_created(self, path: Path) -> None:
        self.form.refresh_models(select=Path(path))
        self.compare_picker.refresh()

    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", shortcuts_text(self),
                          QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About SRGAN Desktop",
                          "SRGAN Desktop: 4\u00d7 photo super-resolution (SRResNet / SRGAN) on your own "
                          "computer. Nothing leaves your machine.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.advice.stop()            # first: its outcome may still queue a run, which shutdown cancels
        self.queue.shutdown()
        self.extras.stop()
        self.saver.finish_writing()
        set_error_reporter(None)
        super().closeEvent(event)
