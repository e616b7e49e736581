"""The work of upscaling one image for the main window, as an event generator for `run_in_background`.

It calls the same `core.inference.upscale` path as batch mode and the CLI, and adds what only the
viewer needs: 8-bit QImages made on the worker thread (QImage is thread-safe, QPixmap is
not) and "preview first": between tiles it upscales the region the user is looking at, so
that part of the result appears within a second or two even on a CPU.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from core.common.events import Control, Event, ExtraFramesIgnored, TileDone, drain
from core.imageio.files import DecodedImage, load_image
from core.inference.cache import UpscalerCache
from core.inference.upscale import UpscaleOptions, upscale_decoded
from srgan_desktop.qt_image import array_to_qimage, resized_bicubic

PREVIEW_SECONDS = 1.5         # what "see the result where you look within a second or two" allows
FIRST_PREVIEW_SIDE = {"cpu": 96, "mps": 192, "cuda": 384}   # input pixels, before anything is measured
MIN_PREVIEW_SIDE, MAX_PREVIEW_SIDE = 48, 768
FIRST_PREVIEW_WAIT_S = 0.5    # how long the worker waits for the GUI to say where the user looks

Box = tuple[int, int, int, int]   # x0, y0, x1, y1 in source pixels


@dataclass(frozen=True)
class JobStage(Event):
    text: str                 # "Loading the model…", for the status bar


@dataclass(frozen=True)
class SourceReady(Event):
    original: QImage = field(repr=False)
    bicubic: QImage = field(repr=False)
    scale: int = 4
    label: str = ""
    image: DecodedImage | None = field(default=None, repr=False)   # kept for re-runs: never read twice
    model_name: str = ""                                            # the model (or blend) making the result


@dataclass(frozen=True)
class PreviewDone(Event):
    box: Box
    image: QImage = field(repr=False)


@dataclass(frozen=True)
class JobProgress(Event):
    fraction: float           # 0..1 over every network pass of this image (colour, alpha)
    tile: int = 0             # tile edge in use; it shrinks after a GPU out-of-memory retry


@dataclass
class JobResult:
    source: Path | None           # None for a pasted image
    label: str
    result: DecodedImage          # at the model's scale; the output size is applied when saving
    image: QImage
    seconds: float
    model_name: str = ""          # what made it, for the result's caption and the status bar
    options: UpscaleOptions | None = None


class RegionRequests:
    """The newest 'please preview this box' from the GUI; thread-safe, older requests dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._box: Box | None = None
        self._posted = threading.Event()

    def post(self, box: Box | None) -> None:
        with self._lock:
            self._box = box
        self._posted.set()   # None still answers "where does the user look?": nowhere in particular

    def take(self) -> Box | None:
        with self._lock:
            box, self._box = self._box, None
            self._posted.clear()
            return box

    def wait(self, seconds: float) -> None:
        self._posted.wait(seconds)


class PreviewBudget:
    """How big a preview patch fits in PREVIEW_SECONDS, learnt from the previews already made."""

    def __init__(self) -> None:
        self._seconds_per_pixel: dict[str, float] = {}

    def side(self, device_type: str) -> int:
        rate = self._seconds_per_pixel.get(device_type)
        if rate is None:
            return FIRST_PREVIEW_SIDE.get(device_type, 96)
        side = int((PREVIEW_SECONDS / rate) ** 0.5)
        return max(MIN_PREVIEW_SIDE, min(MAX_PREVIEW_SIDE, side - side % 16))

    def record(self, device_type: str, pixels: int, seconds: float) -> None:
        rate = seconds / max(1, pixels)
        old = self._seconds_per_pixel.get(device_type)
        self._seconds_per_pixel[device_type] = rate if old is None else 0.5 * (old + rate)


def preview_box(visible: Box, width: int, height: int, side: int) -> Box | None:
    """The visible box, cut around its centre to a preview-sized patch; None if not worth it."""
    x0, y0, x1, y1 = max(0, visible[0]), max(0, visible[1]), min(width, visible[2]), min(height, visible[3])
    if x1 <= x0 or y1 <= y0:
        return None
    if x1 - x0 > side:
        cx = (x0 + x1) // 2
        x0, x1 = cx - side // 2, cx - side // 2 + side
    if y1 - y0 > side:
        cy = (y0 + y1) // 2
        y0, y1 = cy - side // 2, cy - side // 2 + side
    if (x0, y0, x1, y1) == (0, 0, width, height):
        return None   # the whole image: the full run is no slower
    return x0, y0, x1, y1


def upscale_job(source: Path | DecodedImage, label: str, options: UpscaleOptions,
                cache: UpscalerCache, regions: RegionRequests, budget: PreviewBudget | None = None,
                decoded: DecodedImage | None = None):
    """A `run_in_background` work function for one image (a file path or an already decoded image).

    `decoded` is the source's pixels from an earlier run of it (a re-run with another model or
    detail): the file is not read again.
    """

    budget = budget or PreviewBudget()
    path = source if isinstance(source, Path) else None

    def work(control: Control) -> Generator[Event, None, JobResult]:
        started = time.perf_counter()
        if decoded is None:
            yield JobStage(f"Reading {label}…")
        image = decoded or (source if isinstance(source, DecodedImage) else load_image(source, options.max_pixels))
        if decoded is None and path is not None and image.frames > 1:     # told once, when the file is read
            yield ExtraFramesIgnored(path, image.frames, image.frame_unit)
        yield JobStage("Loading the model…" if options.detail is None else "Blending the two models…")
        upscaler = cache.for_options(options)
        yield upscaler.device_event()
        scale, name = upscaler.scale, upscaler.info.display_name
        yield SourceReady(array_to_qimage(image.color, image.alpha),
                          resized_bicubic(image.color, image.alpha, scale), scale, label, image, name)
        regions.wait(FIRST_PREVIEW_WAIT_S)
        yield from _serve_preview(upscaler, image, regions, budget, control)
        result = yield from _full_run(upscaler, image, regions, budget, control)
        yield JobStage("Preparing the result for display…")
        qimage = array_to_qimage(result.color, result.alpha)
        return JobResult(path, label, result, qimage, time.perf_counter() - started, name, options)

    return work


def _full_run(upscaler, image: DecodedImage, regions: RegionRequests, budget: PreviewBudget,
              control: Control) -> Generator[Event, None, DecodedImage]:
    """`upscale_decoded` (tiles already numbered across passes), previews served between tiles."""
    yield JobProgress(0.0, upscaler.tile)   # the starting tile, to notice a halving
    events = upscale_decoded(upscaler, image, control)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            return stop.value
        if isinstance(event, TileDone):
            yield JobProgress(min(1.0, event.done / max(1, event.total)), event.tile)
        else:
            yield event
        yield from _serve_preview(upscaler, image, regions, budget, control)


def _serve_preview(upscaler, image: DecodedImage, regions: RegionRequests, budget: PreviewBudget,
                   control: Control) -> Generator[Event, None, None]:
    """If the GUI asked, upscale (the centre of) the region the user looks at, sized to the budget."""
    visible = regions.take()
    if visible is None or upscaler.channels != 3:
        return
    device = upscaler.device_type
    box = preview_box(visible, image.width, image.height, budget.side(device))
    if box is None:
        return
    control.checkpoint()
    started = time.perf_counter()
    patch = drain(upscaler.upscale_region(image.color, box, control))
    budget.record(device, (box[2] - box[0]) * (box[3] - box[1]), time.perf_counter() - started)
    yield PreviewDone(box, array_to_qimage(patch))
