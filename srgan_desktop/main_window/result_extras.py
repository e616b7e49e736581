"""What the shown image gets besides its result: another model's result (compare two models) and the
invented-detail overlay. Each is awaited from a background job; a newer request replaces an older one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.common.events import Event
from core.inference.cache import UpscalerCache
from core.inference.upscale import UpscaleOptions
from srgan_desktop.background import Job, async_slot, call_in_background, run_in_background
from srgan_desktop.main_window.second_runs import (
    LEGEND,
    LEGEND_WITH_FAITHFUL,
    SecondProgress,
    overlay_image,
    second_model_job,
)
from srgan_desktop.main_window.upscale_queue import QueueEntry
from srgan_desktop.viewer.images import ViewerImages


def faithful_counterpart(options: UpscaleOptions | None, ends: tuple[Path, Path] | None) -> UpscaleOptions | None:
    """The faithful model to hold a result made with `options` against; None when it is the faithful one.

    A blend's faithful end is its `model`; a model alone is photo-realistic when it is the 1 end of the
    detail slider's pair (`ends` = (faithful, photo-realistic)).
    """
    if options is None:
        return None
    if options.detail is not None:
        return UpscaleOptions(model=options.model, inference=options.inference) if options.detail > 0 else None
    if ends is not None and options.model is not None and Path(options.model) == ends[1]:
        return UpscaleOptions(model=str(ends[0]), inference=options.inference)
    return None


class ResultExtras(QObject):
    legend_changed = Signal(str)          # the overlay's legend, "" when the overlay is off

    def __init__(self, images: ViewerImages, cache: UpscalerCache, shown: Callable[[], QueueEntry | None],
                 compare_options: Callable[[], UpscaleOptions | None],
                 slider_ends: Callable[[], tuple[Path, Path] | None], parent: QObject | None = None) -> None:
        """`shown`: the image in the viewer; `compare_options`: how to make the compared result;
        `slider_ends`: the detail slider's (faithful, photo-realistic) pair, to find a result's faithful end."""
        super().__init__(parent)
        self._images = images
        self._cache = cache
        self._shown = shown
        self._compare_options = compare_options
        self._slider_ends = slider_ends
        self.compare_on = False
        self.overlay_on = False
        self._compare_job: Job | None = None
        self._compared_key: tuple | None = None     # (the source's pixels, the options) shown on the left
        self._overlay_jobs: list[Job] = []
        self._overlay_request = 0
        self._faithful: tuple[tuple, np.ndarray] | None = None   # the last faithful result made for a map

    def set_compare(self, on: bool) -> None:
        """Compare two models on or off: the left side shows the other model's result or the original."""
        self.compare_on = on
        self._images.set_compare_mode(on)
        if on:
            self.refresh_compare(self._shown(), self._compare_options())
        else:
            self._stop_compare()

    def set_overlay(self, on: bool) -> None:
        """Off takes the map and its legend away at once (and drops a map still being made)."""
        self.overlay_on = on
        if on:
            entry = self._shown()
            self.refresh_overlay(entry, self._faithful_options(entry))
            return
        self._overlay_request += 1
        for job in self._overlay_jobs:
            job.cancel()
        self._images.set_overlay(None)
        self.legend_changed.emit("")

    def refresh(self, entry: QueueEntry) -> None:
        """`entry` is shown with a (new) result: what is on follows it."""
        if self.compare_on:
            self.refresh_compare(entry, self._compare_options())
        if self.overlay_on:
            self.refresh_overlay(entry, self._faithful_options(entry))

    def compare_model_changed(self) -> None:
        if self.compare_on:
            self.refresh_compare(self._shown(), self._compare_options())

    def _faithful_options(self, entry: QueueEntry | None) -> UpscaleOptions | None:
        if entry is None or entry.result is None:
            return None
        return faithful_counterpart(entry.result.options, self._slider_ends())

    def _stop_compare(self) -> None:
        if self._compare_job is not None:
            self._compare_job.cancel()
        self._images.set_compared(None)
        self._compared_key = None

    @async_slot()
    async def refresh_compare(self, entry: QueueEntry | None, options: UpscaleOptions | None) -> None:
        """Show `entry` upscaled with `options` on the left (compare mode), made on a worker."""
        key = (id(entry.decoded) if entry is not None else None, options)
        if self._compare_job is None and key == self._compared_key and self._images.compared is not None:
            return                            # already shown (the chosen model changed, not the compared one)
        if self._compare_job is not None:
            self._compare_job.cancel()
        if not self.compare_on or entry is None or entry.decoded is None or options is None:
            self._stop_compare()
            return
        name = Path(options.model or "").stem or "the other model"
        self._images.set_compared(None, name)

        def on_event(event: Event) -> None:
            if isinstance(event, SecondProgress) and job is self._compare_job:
                self._images.set_compared(None, f"{name} {event.fraction:.0%}")

        job = run_in_background(second_model_job(entry.decoded, options, self._cache), on_event=on_event)
        self._compare_job = job
        try:
            result = await job
        finally:
            if self._compare_job is job:
                self._compare_job = None
        if self.compare_on and self._shown() is entry:
            self._images.set_compared(result.image, result.model_name)
            self._compared_key = key

    @async_slot()
    async def refresh_overlay(self, entry: QueueEntry | None, faithful: UpscaleOptions | None) -> None:
        """Lay the invented-detail map of `entry`'s result over it (against `faithful`'s result too, if given)."""
        self._overlay_request += 1
        request = self._overlay_request
        for job in self._overlay_jobs:
            job.cancel()
        if not self.overlay_on or entry is None or entry.result is None or entry.decoded is None:
            self._images.set_overlay(None)
            self.legend_changed.emit(LEGEND if self.overlay_on else "")
            return
        result, source = entry.result, entry.decoded
        self.legend_changed.emit(LEGEND_WITH_FAITHFUL if faithful is not None else LEGEND)
        faithful_color = await self._faithful_result(entry, faithful) if faithful is not None else None
        if request != self._overlay_request:
            return
        job = call_in_background(overlay_image, source.color, result.result.color,
                                 result.result.width // source.width, faithful_color)
        self._overlay_jobs.append(job)
        try:
            image = await job
        finally:
            self._overlay_jobs.remove(job)
        if request == self._overlay_request and self._shown() is entry and entry.result is result:
            self._images.set_overlay(image)

    async def _faithful_result(self, entry: QueueEntry, options: UpscaleOptions) -> np.ndarray:
        key = (entry.id, id(entry.decoded), options.model, options.inference)
        if self._faithful is not None and self._faithful[0] == key:
            return self._faithful[1]
        job = run_in_background(second_model_job(entry.decoded, options, self._cache))
        self._overlay_jobs.append(job)
        try:
            color = (await job).color
        finally:
            self._overlay_jobs.remove(job)
        self._faithful = (key, color)
        return color

    def stop(self) -> None:
        """Cancel and wait for the jobs (window closing)."""
        for job in [self._compare_job, *self._overlay_jobs]:
            if job is not None:
                job.stop(10.0)
