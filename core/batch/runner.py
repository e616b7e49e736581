"""Batch upscaling: many files and folders through the one upscale code path.

`plan_batch` (in `core.batch.plan`, re-exported here) decides what goes where; `run_batch`
upscales the plan's jobs one by one with `core.inference.upscale.upscale_file`, yielding the usual
image events plus `BatchProgress` (overall pixels, throughput, ETA). Each file's model is the
run's one, or with `BatchOptions.auto_model` its own (`core.batch.model_choice`, which reports
a `ModelChosen`). One bad file becomes an `ImageFailed` event and the run goes on. Finished
jobs are journalled (`core.batch.journal`), so a batch killed by a crash or power cut resumes
where it stopped when run again.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.batch.claims import OutputClaim, claim_output, remove_stale_claims
from core.batch.journal import BatchJournal, journal_path
from core.batch.memory import pin_mmap_threshold, release_free_memory
from core.batch.model_choice import BatchModels, ModelChosen
from core.batch.plan import BatchJob, BatchOptions, BatchPlan, BatchPlanError, output_format_for, plan_batch  # noqa: F401 - re-exported
from core.common.atomic import PARTIAL_SUFFIX, remove_stale_partials
from core.common.errors import first_line, reason_without_name
from core.common.events import (
    NEVER_CANCELLED,
    Cancelled,
    Control,
    Event,
    Finished,
    ImageDone,
    ImageFailed,
    ImageSkipped,
    ImageStarted,
    TileDone,
)
from core.imageio.files import load_image
from core.inference.cache import UpscalerCache, shared_upscalers
from core.inference.upscale import UpscaleOptions, upscale_file
from core.inference.upscaler import Upscaler

__all__ = ["BatchJob", "BatchOptions", "BatchPlan", "BatchPlanError", "BatchProgress", "ModelChosen", "plan_batch",
           "run_batch", "check_output_writable"]


@dataclass(frozen=True)
class BatchProgress(Event):
    """Overall progress of a batch, sent after every tile and every finished file."""

    images_done: int            # finished, skipped or failed
    images_total: int
    pixels_done: int            # input pixels, the unit work is measured in
    pixels_total: int
    active_seconds: float       # time spent working (pauses and slow listeners not counted)
    current: Path | None = None
    file_fraction: float = 0.0  # progress within the current file, 0..1

    @property
    def fraction(self) -> float:
        return self.pixels_done / self.pixels_total if self.pixels_total else 1.0

    @property
    def pixels_per_second(self) -> float:
        return self.pixels_done / self.active_seconds if self.active_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.pixels_per_second
        return (self.pixels_total - self.pixels_done) / rate if rate > 0 else None


class _ActiveClock:
    """Counts working time only: time blocked in a pause or suspended at a yield is left out.

    It is also handed to the upscaler as its control, so pauses inside a file are not counted.
    """

    def __init__(self, control: Control) -> None:
        self._control = control
        self.active = 0.0
        self._since = time.monotonic()

    @property
    def cancelled(self) -> bool:
        return self._control.cancelled

    @property
    def paused(self) -> bool:
        return self._control.paused

    def checkpoint(self) -> None:
        self.stop()
        try:
            self._control.checkpoint()
        finally:
            self.start()

    def stop(self) -> None:
        self.active += time.monotonic() - self._since

    def start(self) -> None:
        self._since = time.monotonic()


def run_batch(plan: BatchPlan, upscale_options: UpscaleOptions = UpscaleOptions(),
              control: Control = NEVER_CANCELLED, upscaler: Upscaler | None = None,
              upscalers: UpscalerCache = shared_upscalers) -> Generator[Event, None, Finished]:
    """Upscale every job of `plan`; returns a `Finished` summary (also yielded as the last event).

    The plan's `BatchOptions` decide format, quality, pixel limit, existing outputs and whether
    each image gets its own model; the `upscale_options` decide the model and device. The
    run's model is `upscaler` when given, else it comes from `upscalers`, as do the models
    chosen per image. A `ModelFileError` (bad model) or a `BatchPlanError` (unwritable output
    folder) is raised before any file is touched. `Cancelled` propagates after the file in
    progress was cleaned up (nothing half-written).
    """
    jobs = plan.jobs
    check_output_writable(sorted({job.destination.parent for job in plan.pending}, key=str))
    for folder in sorted({job.destination.parent for job in jobs}, key=str):
        remove_stale_partials(folder)           # what a run killed mid-write left in our folders
        remove_stale_claims(folder)
    models = BatchModels(plan.options.auto_model, upscale_options, upscalers, upscaler)
    pin_mmap_threshold()
    yield models.fallback.device_event()
    journal = BatchJournal(journal_path(_journal_key(plan, models)))
    clock = _ActiveClock(control)
    state = _Tally(pixels_total=sum(j.pixels for j in plan.pending))
    started = time.monotonic()
    for index, job in enumerate(jobs):
        clock.checkpoint()
        try:
            claim, reason = _claim_or_skip(job, plan.options, journal)
        except OSError as exc:                  # e.g. a name the file system refuses: only this file fails
            state.finish(job)
            state.failed.append((job.source, f"cannot use its output name ({exc.strerror or first_line(exc)})"))
            yield from _emit(clock, ImageFailed(job.source, state.failed[-1][1]), state, len(jobs))
            continue
        if claim is None:
            if not (job.exists and plan.options.existing == "skip"):
                state.pixels_total -= job.pixels     # planned as work, turned out done already
            state.skipped.append((job.source, reason))
            yield from _emit(clock, ImageSkipped(job.source, reason), state, len(jobs))
            continue
        t0 = time.monotonic()
        try:
            yield from _emit(clock, ImageStarted(index, len(jobs), job.source))
            model = yield from _run_job(job, plan.options, models, clock, state, len(jobs))
            failure = ""
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad file is logged and skipped, never stops the run
            failure = _one_line(exc, job.source)
        finally:
            claim.release()                     # done, failed or cancelled: another run may take it now
            release_free_memory()
        state.finish(job)
        if failure:
            state.failed.append((job.source, failure))
            yield from _emit(clock, ImageFailed(job.source, failure), state, len(jobs))
            continue
        journal.record(job.source, job.destination)
        state.done += 1
        yield from _emit(clock, ImageDone(index, len(jobs), job.source, job.destination, time.monotonic() - t0,
                                          model), state, len(jobs))
    journal.discard()
    finished = Finished(state.done, tuple(state.skipped), tuple(state.failed), time.monotonic() - started)
    yield finished
    return finished


@dataclass
class _Tally:
    pixels_total: int
    pixels_done: int = 0
    images_done: int = 0
    done: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    current: BatchJob | None = None
    current_fraction: float = 0.0

    def finish(self, job: BatchJob) -> None:
        self.pixels_done += job.pixels
        self.current, self.current_fraction = None, 0.0

    def progress(self, clock: _ActiveClock, images_total: int) -> BatchProgress:
        partial = int(self.current.pixels * self.current_fraction) if self.current else 0
        finished = self.done + len(self.skipped) + len(self.failed)
        return BatchProgress(finished, images_total, min(self.pixels_done + partial, self.pixels_total),
                             self.pixels_total, clock.active,
                             self.current.source if self.current else None, self.current_fraction)


def _run_job(job: BatchJob, batch: BatchOptions, models: BatchModels, clock: _ActiveClock,
             state: _Tally, images_total: int) -> Generator[Event, None, str]:
    """Upscale one job; returns the library name of the model that did it."""
    job.destination.parent.mkdir(parents=True, exist_ok=True)
    state.current = job
    image = load_image(job.source, batch.max_pixels)
    options, upscaler, chosen = models.for_image(job.source, image)
    if chosen is not None:
        yield from _emit(clock, chosen)
    job_options = replace(options, output_format=output_format_for(job.source, batch.output_format),
                          quality=batch.quality, max_pixels=batch.max_pixels)
    for event in upscale_file(upscaler, job.source, job.destination, job_options, clock, decoded=image):
        if isinstance(event, TileDone) and event.total:
            state.current_fraction = event.done / event.total
            yield from _emit(clock, event, state, images_total)
        else:
            yield from _emit(clock, event)
    return upscaler.info.name


def _emit(clock: _ActiveClock, event: Event, state: _Tally | None = None, images_total: int = 0
          ) -> Generator[Event, None, None]:
    """Yield `event` (and, given `state`, a fresh `BatchProgress`) without counting the listener's time."""
    clock.stop()
    try:
        yield event
        if state is not None:
            yield state.progress(clock, images_total)
    finally:
        clock.start()


def _claim_or_skip(job: BatchJob, options: BatchOptions, journal: BatchJournal) -> tuple[OutputClaim | None, str]:
    """(our claim on the job's output, "") to run it, or (None, why it is skipped)."""
    reason = _skip_reason(job, options, journal)
    if reason:
        return None, reason
    claim = claim_output(job.destination)
    if claim is None:
        return None, "being upscaled by another run"
    reason = _skip_reason(job, options, journal)        # another run may have finished it just now
    if reason:
        claim.release()
        return None, reason
    return claim, ""


def _skip_reason(job: BatchJob, options: BatchOptions, journal: BatchJournal) -> str:
    if journal.is_finished(job.source, job.destination):
        return "done before the batch was interrupted"
    if options.existing == "skip" and job.destination.exists():
        return "output already exists"
    return ""


def check_output_writable(folders: list[Path]) -> None:
    """Create each output folder and prove a file can be written there; `BatchPlanError` if not."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".srgan-write-test.", suffix=PARTIAL_SUFFIX, dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise BatchPlanError(f"cannot write to the output folder {folder}: "
                                 f"{exc.strerror or exc}".rstrip()) from None


def _journal_key(plan: BatchPlan, models: BatchModels) -> list[str]:
    """What decides an output's bytes, and where outputs go (not the input list: a file added to
    the folder after a crash must not make the rerun forget what was already done)."""
    settings = (plan.options.output_format, plan.options.quality, plan.options.naming, *models.journal_key())
    return [repr(settings)] + sorted(str(root.resolve()) for root in plan.output_roots)


def _one_line(exc: BaseException, source: Path) -> str:
    """The reason, without the file name the summary already shows beside it."""
    if isinstance(exc, MemoryError):
        return "out of memory: try a smaller tile size"
    return reason_without_name(exc, source, 300)
