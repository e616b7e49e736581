"""The main window's queue of images to upscale, one at a time, each on a background worker.

The window adds images; the queue awaits each image's `upscale_job`, turns its events into
progress (with an ETA), previews and results for its `QueueView` (the window), and keeps the
finished results in memory so the user can flip between them (the oldest are dropped: a 4x
result is big). `changed` tells the queue list that entries were added, started or ended.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from core.common.events import Cancelled, DeviceChosen, Event, ExtraFramesIgnored
from core.imageio.files import DecodedImage
from core.inference.cache import UpscalerCache, shared_upscalers
from core.inference.upscale import UpscaleOptions
from srgan_desktop.background import (
    Job,
    WorkFailed,
    async_slot,
    call_in_background,
    one_line_error,
    run_in_background,
)
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
    decoded: DecodedImage | None = None   # the source's pixels, kept with a result for re-runs
    again: bool = False                   # a re-run (new model, detail, device) is wanted

    @property
    def path(self) -> Path | None:
        return self.source if isinstance(self.source, Path) else None


class QueueView(Protocol):
    """What the queue tells the window about the image being upscaled (MainWindow implements it)."""

    def job_started(self, entry: QueueEntry) -> None: ...
    def job_stage(self, text: str) -> None: ...
    def device_used(self, event: DeviceChosen) -> None: ...
    def source_ready(self, entry: QueueEntry) -> None: ...              # entry.ready is set
    def preview_ready(self, event: PreviewDone) -> None: ...
    def job_progress(self, fraction: float, eta: float | None) -> None: ...
    def job_finished(self, entry: QueueEntry) -> None: ...              # entry.result is set
    def job_failed(self, entry: QueueEntry, message: str) -> None: ...
    def queue_idle(self) -> None: ...                                   # nothing running or waiting
    def notice(self, text: str) -> None: ...                            # worth telling, not an error


class UpscaleQueue(QObject):
    changed = Signal()                     # entries added, started, finished (for the list)

    def __init__(self, options: Callable[[], UpscaleOptions], view: QueueView, parent: QObject | None = None,
                 upscalers: UpscalerCache = shared_upscalers) -> None:
        super().__init__(parent)
        self._options = options            # read at the start of each job: the current picks
        self._view = view
        self.entries: list[QueueEntry] = []
        self.regions = RegionRequests()
        self.cache = upscalers
        self.preview_budget = PreviewBudget()
        self._ids = itertools.count(1)
        self._working = False              # the worker loop is on (it picks up what is added)
        self._job: Job | None = None
        self._preload: Job | None = None
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
        if not self._working:
            self._working = True
            self._work_through()
        return entry

    def entry(self, entry_id: int) -> QueueEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def rerun(self, entry: QueueEntry) -> bool:
        """Upscale `entry` again with the current options, before the other waiting images, from its
        kept pixels. A run of it under way is stopped first. False if there is nothing to re-run."""
        if entry.status == "waiting":
            return True                   # it has not started: it will use the current options anyway
        if entry.decoded is None and not isinstance(entry.source, DecodedImage):
            return False                  # failed, cancelled or dropped from memory: open it again
        entry.again = True
        if entry is self._current:
            if self._job is not None:
                self._job.cancel()        # the loop sets it waiting again when the cancel lands
            return True
        entry.status, entry.detail, entry.fraction = "waiting", "waiting to run again", 0.0
        self.changed.emit()
        if not self._working:
            self._working = True
            self._work_through()
        return True

    def cancel_all(self) -> None:
        """Stop the running image and drop the waiting ones (an image shown with its result keeps it)."""
        for entry in self.entries:
            entry.again = False
            if entry.status == "waiting":
                entry.status, entry.detail = ("done", "re-run cancelled") if entry.result else ("cancelled",
                                                                                               "cancelled")
        if self._job is not None:
            self._job.cancel()
        self.changed.emit()

    def shutdown(self) -> None:
        """Cancel and wait for the workers (window closing)."""
        self.cancel_all()
        for job in (self._job, self._preload):
            if job is not None:
                job.stop(10.0)

    @async_slot()
    async def preload(self) -> None:
        """Load the chosen model in the background now, so the first dropped image starts at once."""
        if self._current is not None or self._preload is not None:
            return
        try:
            options = self._options()
        except Exception:  # noqa: BLE001 - nothing to preload; the first image will say why
            return
        self._preload = call_in_background(self.cache.for_options, options)
        try:
            await self._preload
        except WorkFailed:
            pass           # a bad model is reported when an image uses it
        finally:
            self._preload = None

    def forget_models(self) -> None:
        """Drop the cached models (e.g. the model list was reloaded); a running image keeps its model."""
        self.cache.clear()

    # -- running ----------------------------------------------------------------------------
    @async_slot()
    async def _work_through(self) -> None:
        """The queue's one worker loop: each waiting image in turn, then idle."""
        try:
            while (entry := self._next_waiting()) is not None:
                await self._upscale(entry)
        finally:
            self._working = False    # whatever happened, the next image added starts the loop again
        self._view.queue_idle()

    def _next_waiting(self) -> QueueEntry | None:
        """A re-run first (the user is looking at it), then the images in the order they came."""
        waiting = [e for e in self.entries if e.status == "waiting"]
        return next((e for e in waiting if e.again), waiting[0] if waiting else None)

    async def _upscale(self, entry: QueueEntry) -> None:
        try:
            options = self._options()
        except Exception as exc:  # noqa: BLE001 - a bad setting fails this image, not the app
            self._fail(entry, one_line_error(exc))
            self.changed.emit()
            return
        self._current = entry
        entry.status, entry.detail, entry.again = "running", "starting", False
        self._progress_started = None
        self.regions.take()
        self.changed.emit()
        self._view.job_started(entry)
        work = upscale_job(entry.source, entry.label, options, self.cache, self.regions, self.preview_budget,
                           entry.decoded)
        self._job = run_in_background(work, on_event=self._on_event)
        try:
            result = await self._job
        except Cancelled:
            if entry.again:
                entry.status, entry.detail = "waiting", "waiting to run again"
            elif entry.result is not None:
                entry.status, entry.detail = "done", "re-run cancelled"     # the earlier result stays
            else:
                entry.status, entry.detail = "cancelled", "cancelled"
        except WorkFailed as failure:
            self._fail(entry, failure.message)
            if entry.result is not None:
                entry.status = "done"             # a failed re-run: the earlier result stays
        else:
            entry.status, entry.detail, entry.fraction = "done", f"{result.seconds:.1f} s", 1.0
            entry.result = result
            self._drop_old_results()
            self._view.job_finished(entry)
            if entry.again:              # new options came as it finished, too late for the cancel: run again
                entry.status, entry.detail = "waiting", "waiting to run again"
        finally:
            self._job, self._current = None, None
            if entry.status not in ("done", "waiting"):
                # The enlarged original and the pixels are big; a failed image is not shown again
                # unless an earlier result of it is.
                entry.ready = entry.ready if entry.result is not None else None
                entry.decoded = entry.decoded if entry.result is not None else None
            self.changed.emit()

    def _on_event(self, event: Event) -> None:
        entry = self._current
        if entry is None:
            return
        if isinstance(event, JobProgress):
            entry.fraction = event.fraction
            if entry.tile and 0 < event.tile < entry.tile:
                self._view.notice(f"Out of memory on the device: the tile size was halved to "
                                  f"{event.tile} pixels and the image is being retried.")
            entry.tile = event.tile or entry.tile
            if event.fraction > 0:
                self._view.job_progress(event.fraction, self._eta(event.fraction))
        elif isinstance(event, PreviewDone):
            self._view.preview_ready(event)
        elif isinstance(event, SourceReady):
            entry.ready, entry.decoded = event, event.image
            self._view.source_ready(entry)
        elif isinstance(event, JobStage):
            entry.detail = event.text
            self._view.job_stage(event.text)
        elif isinstance(event, DeviceChosen):
            self._view.device_used(event)
        elif isinstance(event, ExtraFramesIgnored):
            self._view.notice(event.message + ".")

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

    def _fail(self, entry: QueueEntry, message: str) -> None:
        entry.status, entry.detail = "failed", message
        self._view.job_failed(entry, message)

    def _drop_old_results(self) -> None:
        done = [e for e in self.entries if e.result is not None]
        for old in done[:-KEEP_RESULTS]:
            old.result, old.ready, old.decoded = None, None, None
            old.detail = "result no longer in memory (open the file again)"
