"""Batch window: pick files and folders, preview the plan with an estimate, run, pause, cancel.

All work goes through `core.batch` on background workers, each awaited by an async slot:
planning (reads headers only), the estimate (loads the model into the shared upscaler cache
and times a probe tile; the run finds the model there) and the run itself. The window only
shows what those report. With "Automatic per image" chosen in the model picker, the log names
each file's model and why, and the summary counts the files per model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.batch.estimate import BatchEstimate, estimate_batch
from core.batch.runner import (
    BatchOptions,
    BatchPlan,
    BatchPlanError,
    BatchProgress,
    ModelChosen,
    plan_batch,
    run_batch,
)
from core.common.events import Cancelled, DeviceChosen, ExtraFramesIgnored, Finished, ImageDone, ImageFailed
from core.imageio.files import IMAGE_SUFFIXES
from core.inference.cache import UpscalerCache, shared_upscalers
from core.inference.upscale import UpscaleOptions
from core.models.model_file import ModelFileError
from srgan_desktop.background import Job, WorkFailed, async_slot, call_in_background, run_in_background
from srgan_desktop.batch.input_list import BatchInputList
from srgan_desktop.batch.options_form import BatchOptionsForm
from srgan_desktop.batch.preview import BatchPreview
from srgan_desktop.batch.progress_panel import BatchProgressPanel
from srgan_desktop.batch.settings import BatchSettings
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.screen_fit import fit_to_screen
from srgan_desktop.widgets.upscale_form import UpscaleForm

REPLAN_DELAY_MS = 300


class BatchWindow(QWidget):
    def __init__(self, parent: QWidget | None = None, settings: AppSettings | None = None,
                 upscalers: UpscalerCache = shared_upscalers) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Batch upscale — SRGAN Desktop")
        self._app_settings = settings if settings is not None else AppSettings()
        self._batch_settings = BatchSettings()
        self._saved = self._batch_settings.load()
        self.plan: BatchPlan | None = None
        self.finished: Finished | None = None
        self._upscalers = upscalers    # the estimate's model is found again by the run
        self._plan_job: Job | None = None
        self._estimate_job: Job | None = None
        self._run_job: Job | None = None
        self._replan_wanted = False
        self._done_by_model: Counter[str] = Counter()     # library name -> files, in an automatic run
        self._titles: dict[str, str] = {}                 # library name -> what the app calls it
        self._build()
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self._replan)
        self.inputs.changed.connect(self._schedule_plan)
        self.form.changed.connect(self._schedule_plan)
        self.model_form.restore()
        if self._saved.auto_model:
            self.model_picker.select_automatic()
        self.model_form.changed.connect(self._schedule_estimate)
        self.model_form.output_changed.connect(self._schedule_estimate)
        self._update_buttons()
        fit_to_screen(self, QSize(1000, 760))

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.inputs = BatchInputList()
        add_files, add_folder = QPushButton("Add files…"), QPushButton("Add folder…")
        remove, clear = QPushButton("Remove"), QPushButton("Clear")
        add_files.clicked.connect(self._on_add_files)
        add_folder.clicked.connect(self._on_add_folder)
        remove.clicked.connect(self.inputs.remove_selected)
        clear.clicked.connect(self.inputs.clear_paths)
        self.input_buttons = (add_files, add_folder, remove, clear)   # none of them while a batch runs
        QShortcut(QKeySequence.StandardKey.Delete, self.inputs, self.inputs.remove_selected)
        input_buttons = QVBoxLayout()
        for button in self.input_buttons:
            input_buttons.addWidget(button)
        input_buttons.addStretch(1)
        inputs_box = QGroupBox("Inputs (drop files or folders here)")
        inputs_row = QHBoxLayout(inputs_box)
        inputs_row.addWidget(self.inputs, 1)
        inputs_row.addLayout(input_buttons)

        self.form = BatchOptionsForm(self._saved)
        output_box = QGroupBox("Output")
        QVBoxLayout(output_box).addWidget(self.form)
        # The main window's form, with "Automatic per image" first among the models.
        self.model_form = UpscaleForm(self._app_settings, with_device=False, automatic=True)
        self.model_picker = self.model_form.model_picker
        model_box = QGroupBox("Model and size")
        QVBoxLayout(model_box).addWidget(self.model_form)

        self.preview = BatchPreview()
        preview_box = QGroupBox("What will be processed")
        QVBoxLayout(preview_box).addWidget(self.preview)

        self.progress = BatchProgressPanel()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText("Problems and the summary of each run appear here.")
        self.log.setMaximumBlockCount(5000)
        run_box = QGroupBox("Run")
        run_layout = QVBoxLayout(run_box)
        run_layout.addWidget(self.progress)
        run_layout.addWidget(self.log, 1)

        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.open_button = QPushButton("Open output folder")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self._on_pause)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button.clicked.connect(self._on_open_output)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for button in (self.start_button, self.pause_button, self.cancel_button):
            buttons.addWidget(button)

        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(inputs_box, 1)
        left.addWidget(model_box)
        top_layout.addLayout(left, 1)
        top_layout.addWidget(output_box, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        for part in (top, preview_box, run_box):
            splitter.addWidget(part)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 270, 150])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

    # -- inputs and planning ------------------------------------------------------------------
    def add_inputs(self, paths: list[Path]) -> None:
        self.inputs.add_paths([Path(p) for p in paths])

    def _on_add_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", "", f"Images ({patterns});;All files (*)")
        self.add_inputs([Path(f) for f in files])

    def _on_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_inputs([Path(folder)])

    def _schedule_plan(self) -> None:
        self._replan_timer.start()

    @async_slot()
    async def _schedule_estimate(self) -> None:
        """Another model, detail or output size: the same plan takes another time."""
        if self.plan is not None and not self.running:
            self.preview.set_plan(self.plan)
            await self._estimate()

    @async_slot()
    async def _replan(self) -> None:
        """Plan what the inputs and output options give (headers only), then estimate the time."""
        if self.running:
            return
        if self._plan_job is not None:
            self._replan_wanted = True    # planned again once the plan under way is in
            return
        self.plan = None
        self._update_buttons()
        paths = self.inputs.paths()
        if not paths:
            self.preview.set_message("Add image files or folders to see what will be processed.")
            return
        try:
            options = self.form.options()
        except BatchPlanError as exc:
            self.preview.set_message(str(exc))
            return
        self.preview.set_message("Looking at the files…")
        self._plan_job = call_in_background(plan_batch, paths, options)
        try:
            plan = await self._plan_job
        except WorkFailed as failure:
            plan = None
            self.preview.set_message(failure.message)
        finally:
            self._plan_job = None
        if self._replan_wanted:
            self._replan_wanted = False
            self._replan()
        elif plan is not None:
            self.plan = plan
            self.preview.set_plan(plan)
            self._update_buttons()
            await self._estimate()

    # -- estimate -------------------------------------------------------------------------------
    def upscale_options(self) -> UpscaleOptions:
        """The model, detail and output size of the form (the device as the main window chose it)."""
        return self.model_form.upscale_options()

    def batch_options(self) -> BatchOptions:
        """The output options, and whether each image gets its own model (may raise BatchPlanError)."""
        return replace(self.form.options(), auto_model=self.model_form.automatic)

    async def _estimate(self) -> None:
        """Time the model on a probe of the current plan; a plan replaced meanwhile is estimated next."""
        if self._estimate_job is not None:
            return            # the estimate under way moves on to the newest plan when it ends
        while self.plan is not None and self.plan.pending:
            plan = self.plan
            try:
                options = self.upscale_options()
            except ModelFileError as exc:
                self.preview.set_estimate(None, str(exc))
                return
            self._estimate_job = call_in_background(_estimate, plan, options, self._upscalers)
            try:
                estimate = await self._estimate_job
            except WorkFailed as failure:
                self.preview.set_estimate(None, f"The model cannot be used: {failure.message}")
                return
            finally:
                self._estimate_job = None
            if plan is self.plan and options == self._current_options():
                self.preview.set_estimate(estimate)
                return

    def _current_options(self) -> UpscaleOptions | None:
        try:
            return self.upscale_options()
        except ModelFileError:
            return None

    # -- running ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._run_job is not None

    @async_slot()
    async def start(self) -> None:
        """Run the plan: progress in the panel, problems in the log, a summary at the end."""
        plan = self.plan
        if plan is None or not plan.jobs or self.running:
            return
        batch = self.batch_options()
        self._batch_settings.save(batch)
        # The plan was made before the model was perhaps switched to or from Automatic.
        plan = replace(plan, options=replace(plan.options, auto_model=batch.auto_model))
        try:
            options, upscalers = self.upscale_options(), self._upscalers
        except ModelFileError as exc:
            self.log.appendPlainText(str(exc))
            return
        self.finished = None
        self._done_by_model.clear()
        self.log.clear()
        for source, reason in plan.problems:
            self.log.appendPlainText(f"Not used: {source}: {reason}")
        self.progress.start()
        self._run_job = run_in_background(
            lambda control: run_batch(plan, options, control, upscalers.for_options(options), upscalers),
            on_event=self._on_run_event)
        self._update_buttons()
        try:
            finished = await self._run_job
        except Cancelled:
            self._show_end("Cancelled. Every output written so far is complete; start again to finish the rest.")
        except WorkFailed as failure:
            self._show_end(f"Stopped: {failure.message}")
        else:
            self.finished = finished
            bad = len(finished.failed) + len(plan.problems)
            self._show_end(f"Finished: {finished.done} upscaled{self._by_model(batch)}, "
                           f"{len(finished.skipped)} skipped, {bad} failed.")
        finally:
            self._run_job = None
            self.pause_button.setText("Pause")
            self._update_buttons()
            self._schedule_plan()   # outputs now exist: the preview shows what is left

    def cancel(self) -> None:
        if self._run_job is not None:
            self._run_job.cancel()
            self.cancel_button.setEnabled(False)

    def _on_pause(self) -> None:
        if self._run_job is None:
            return
        paused = not self._run_job.paused
        self._run_job.pause() if paused else self._run_job.resume()
        self.pause_button.setText("Resume" if paused else "Pause")
        self.progress.set_paused(paused)

    def _on_run_event(self, event) -> None:
        if isinstance(event, BatchProgress):
            self.progress.show_progress(event)
        elif isinstance(event, ImageFailed):
            self.log.appendPlainText(f"Failed: {event.source}: {event.reason}")
        elif isinstance(event, ModelChosen):
            self._titles[event.model] = event.title
            self.log.appendPlainText(f"{event.source}: {event.title} ({event.reason})")
        elif isinstance(event, ImageDone):
            self._done_by_model[event.model] += 1
        elif isinstance(event, ExtraFramesIgnored):
            self.log.appendPlainText(f"Note: {event.message}.")
        elif isinstance(event, DeviceChosen):
            notice = f" ({event.notice})" if event.notice else ""
            self.log.appendPlainText(f"Running on {event.description}, {event.precision}{notice}")

    def _by_model(self, batch: BatchOptions) -> str:
        """' (2 with Real-world photo x4, 1 with SRResNet x4 (Faithful))' after an automatic run, else ''."""
        if not batch.auto_model or not self._done_by_model:
            return ""
        counts = sorted(self._done_by_model.items(), key=lambda item: (-item[1], item[0]))   # as the CLI says it
        return " (" + ", ".join(f"{count} with {self._titles.get(name, name)}" for name, count in counts) + ")"

    def _show_end(self, text: str) -> None:
        self.progress.stop(text)
        self.log.appendPlainText(text)

    def _on_open_output(self) -> None:
        roots = [r for r in (self.plan.output_roots if self.plan else []) if r.exists()]
        if roots:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(roots[0])))

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(not running and self.plan is not None and bool(self.plan.jobs))
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.open_button.setEnabled(self.plan is not None and any(r.exists() for r in self.plan.output_roots))
        self.inputs.setEnabled(not running)
        self.form.setEnabled(not running)
        self.model_form.setEnabled(not running)
        for button in self.input_buttons:
            button.setEnabled(not running)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._replan_timer.stop()
        for job in (self._run_job, self._plan_job, self._estimate_job):
            if job is not None:
                job.stop(30.0)
        try:
            self._batch_settings.save(self.batch_options())
        except BatchPlanError:
            pass  # a half-typed pattern is not worth remembering
        super().closeEvent(event)


def _estimate(plan: BatchPlan, options: UpscaleOptions, upscalers: UpscalerCache) -> BatchEstimate:
    """On the worker: load (or find) the model, or blend, and time it on a probe of the plan."""
    return estimate_batch(plan, upscalers.for_options(options), options.output_size)
