"""Work for a shown image besides its own result: another model's result (compare two models) and the
invented-detail map laid over the result.

Both are `run_in_background` / `call_in_background` work on the image's kept pixels (the file is
not read again), through the same `core.inference.upscale` path as everything else. The map is
`core.inference.detail_map`'s: the consistency map (the result shrunk back against the input)
for any result, and for a result that is not the faithful model's own, the larger of that and
the invention map (the result against the faithful model's result).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QImage

from core.common.events import Control, Event, TileDone
from core.imageio.files import DecodedImage
from core.inference.cache import UpscalerCache
from core.inference.detail_map import FULL_SCALE, consistency_map, heat_overlay, invention_map
from core.inference.upscale import UpscaleOptions, upscale_decoded
from srgan_desktop.qt_image import array_to_qimage, for_display, uint8_to_qimage

LEGEND = ("<span style='background:rgba(255,200,0,0.45)'>&nbsp;&nbsp;&nbsp;</span>"
          "<span style='background:rgba(255,100,0,0.6)'>&nbsp;&nbsp;&nbsp;</span>"
          "<span style='background:rgba(255,0,0,0.75)'>&nbsp;&nbsp;&nbsp;</span>&nbsp; "
          f"<b>Invented-detail map</b>: clear where the result agrees with the input; amber to red where it "
          f"departs from it, by up to {FULL_SCALE:.0%} of full brightness or more")
LEGEND_WITH_FAITHFUL = LEGEND + ", or from the faithful model's result (texture the GAN drew)"


@dataclass(frozen=True)
class SecondProgress(Event):
    fraction: float


@dataclass
class SecondResult:
    image: QImage = field(repr=False)
    color: np.ndarray = field(repr=False)
    model_name: str = ""


def second_model_job(image: DecodedImage, options: UpscaleOptions, cache: UpscalerCache):
    """A work function: `image` upscaled with `options` (another model, or the faithful one for the map)."""

    def work(control: Control) -> Generator[Event, None, SecondResult]:
        upscaler = cache.for_options(options)
        events = upscale_decoded(upscaler, image, control)
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                result: DecodedImage = stop.value
                break
            if isinstance(event, TileDone):
                yield SecondProgress(event.done / max(1, event.total))
        return SecondResult(array_to_qimage(result.color, result.alpha), result.color, upscaler.info.display_name)

    return work


def overlay_image(source: np.ndarray, result: np.ndarray, scale: int, faithful: np.ndarray | None = None) -> QImage:
    """The semi-transparent heat map for the viewer (RGBA, the result's size): transparent where the
    result agrees with the input (and, given `faithful`, with the faithful model's result)."""
    difference = consistency_map(source, result, scale)
    if faithful is not None:
        difference = np.maximum(difference, invention_map(result, faithful))
    return for_display(uint8_to_qimage(heat_overlay(difference)))
