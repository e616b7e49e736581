"""The main window's queue of images to upscale, one at a time, each in a `BackgroundTask`.

Feature code adds images and listens to signals; the queue turns worker events into
progress (with an ETA), previews and results, and keeps the finished results in memory so
the user can flip between them (the oldest are dropped: a 4x result is big).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.common.events import DeviceChosen
from core.imageio.files import DecodedImage
from core.inference.cache import UpscalerCache, shared_upscalers
from core.inference.upscale import UpscaleOptions
from srgan_desktop.background import BackgroundTask
from srgan_desktop.main_window.upscale_job import (
    JobProgress,
    JobResult,
    JobStage,
    PreviewBudget,
    PreviewDone,
    RegionRequests,
    SourceReady,
    upscale_job,
)

KEEP_RESULTS = 4   # finished results kept in memory for the queue list


@dataclass
class QueueEntry:
    id: int
    label: str
    source: Path | DecodedImage
    status: str = "waiting"          # waiting, running, done, failed, cancelled
    detail: str = ""
    fraction: float = 0.0
    tile: int = 0
    ready: SourceReady | None = None
    result: JobResult | None = None

    @property
    def path(self) -> Path | None:
        return self.source if isinstance(self.source, Path) else None


class UpscaleQueue(QObject):
    changed = Signal()                     # entries added, started, finished (for the list)
    job_started = Signal(object)           # QueueEntry
    stage = Signal(str)
    device_used = Signal(object)           # DeviceChosen
    source_ready = Signal(object)          # QueueEntry (entry.ready is set)
    preview_ready = Signal(object)         # PreviewDone
    progress = Signal(float, object)       # fraction, ETA seconds or None
    job_finished = Signal(object)          # QueueEntry (entry.result is set)
    job_failed = Signal(object, str)       # QueueEntry, one-line message
    idle = Signal()                        # nothing running and nothing waiting
    notice = Signal(str)                   # worth telling the user, not an error

    def __init__(self, options: Callable[[], UpscaleOptions], parent: QObject | None = None,
                 upscalers: UpscalerCache = shared_upscalers) -> None:
        super().__init__(parent)
        self._options = options            # read at the start of each job: the current picks
        self.entries: list[QueueEntry] = []
        self.regions = RegionRequests()
        self.cache = upscalers
        self.preview_budget = PreviewBudget()
        self._ids = itertools.count(1)
        self._task: BackgroundTask | None = None
        self._preload_task: BackgroundTask | None = None
        self._current: QueueEntry | None = None
        self._progress_started: tuple[float, float] | None = None

    @property
    def running(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> QueueEntry | None:
        return self._current

    def add(self, source: Path | DecodedImage, label: str) -> QueueEntry:
        entry = QueueEntry(next(self._ids), label, source)
        self.entries.append(entry)
        self.changed.emit()
        self._start_next()
        return entry

    def entry(self, entry_id: int) -> QueueEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def cancel_all(self) -> None:
        """Stop the running image and drop the waiting ones."""
        for entry in self.entries:
            if entry.status == "waiting":
                entry.status, entry.detail = "cancelled", "cancelled"
        if self._task is not None:
            self._task.cancel()
        self.changed.emit()

    def shutdown(self) -> None:
        """Cancel and wait for the worker thread (window closing)."""
        self.cancel_all()
        for task in (self._task, self._preload_task):
            if task is not None:
                task.stop(10_000)

    def preload(self) -> None:
        """Load the chosen model in the background now, so the first dropped image starts at once."""
        if self._current is not None or self._preload_task is not None:
            return
        try:
            options = self._options()
        except Exception:  # noqa: BLE001 - nothing to preload; the first image will say why
            return
        cache = self.cache

        def work(_control):
            cache.get(options.model, options.inference)
            return None
            yield  # noqa: unreachable - makes this a generator

        task = BackgroundTask(work, parent=self)
        task.on_error(lambda _message: None)   # a bad model is reported when an image uses it
        task.done.connect(self._on_preload_done)
        self._preload_task = task
        task.start()

    def _on_preload_done(self) -> None:
        task, self._preload_task = self._preload_task, None
        if task is not None:
            task.deleteLater()
        self._start_next()

    def forget_models(self) -> None:
        """Drop the cached models (e.g. the model list was reloaded); a running image keeps its model."""
        self.cache.clear()

    # -- running ----------------------------------------------------------------------------
    def _start_next(self) -> None:
        if self._current is not None or self._preload_task is not None:
            return   # one image at a time, after the preload (whose model it then finds in the cache)
        entry = next((e for e in self.entries if e.status == "waiting"), None)
        if entry is None:
            self.idle.emit()
            return
        try:
            options = self._options()
        except Exception as exc:  # noqa: BLE001 - a bad setting fails this image, not the app
            self._fail(entry, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self._start_next()
            return
        self._current = entry
        entry.status, entry.detail = "running", "starting"
        self._progress_started = None
        self.regions.take()
        work = upscale_job(entry.source, entry.label, options, self.cache, self.regions, self.preview_budget)
        self._task = BackgroundTask(work, parent=self)
        self._task.on_event(self._on_event).on_success(self._on_success)
        self._task.on_error(self._on_error).on_cancelled(self._on_cancelled)
        self._task.done.connect(self._on_task_done)
        self.changed.emit()
        self.job_started.emit(entry)
        self._task.start()

    def _on_event(self, event) -> None:
        entry = self._current
        if entry is None:
            return
        if isinstance(event, JobProgress):
            entry.fraction = event.fraction
            if entry.tile and 0 < event.tile < entry.tile:
                self.notice.emit(f"Out of memory on the device: the tile size was halved to "
                                 f"{event.tile} pixels and the image is being retried.")
            entry.tile = event.tile or entry.tile
            if event.fraction > 0:
                self.progress.emit(event.fraction, self._eta(event.fraction))
        elif isinstance(event, PreviewDone):
            self.preview_ready.emit(event)
        elif isinstance(event, SourceReady):
            entry.ready = event
            self.source_ready.emit(entry)
        elif isinstance(event, JobStage):
            entry.detail = event.text
            self.stage.emit(event.text)
        elif isinstance(event, DeviceChosen):
            self.device_used.emit(event)

    def _eta(self, fraction: float) -> float | None:
        """Remaining seconds, from the rate since the first tile (model loading excluded)."""
        now = time.perf_counter()
        if self._progress_started is None:
            self._progress_started = (now, fraction)
            return None
        t0, f0 = self._progress_started
        if fraction <= f0:
            return None
        return (now - t0) * (1.0 - fraction) / (fraction - f0)

    def _on_success(self, result: JobResult) -> None:
        entry = self._current
        entry.status, entry.detail, entry.fraction = "done", f"{result.seconds:.1f} s", 1.0
        entry.result = result
        self._drop_old_results()
        self.job_finished.emit(entry)

    def _on_error(self, message: str) -> None:
        self._fail(self._current, message)

    def _fail(self, entry: QueueEntry, message: str) -> None:
        entry.status, entry.detail = "failed", message
        self.job_failed.emit(entry, message)

    def _on_cancelled(self) -> None:
        entry = self._current
        entry.status, entry.detail = "cancelled", "cancelled"

    def _on_task_done(self) -> None:
        task, self._task, entry, self._current = self._task, None, self._current, None
        if entry is not None and entry.status != "done":
            entry.ready = None   # the enlarged original is big; a failed image is not shown again
        if task is not None:
            task.deleteLater()
        self.changed.emit()
        self._start_next()

    def _drop_old_results(self) -> None:
        done = [e for e in self.entries if e.result is not None]
        for old in done[:-KEEP_RESULTS]:
            old.result, old.ready = None, None
            old.detail = "result no longer in memory (open the file again)"
