"""The one upscale code path: GUI single image, batch folders and the CLI all come through here.

Colour goes through the network; alpha goes through it too, as a grey image (as Real-ESRGAN
does), because bicubic alpha leaves soft halos around the sharpened edges. Fully opaque
alpha skips the network. Grey sources run as three equal channels and are averaged back.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from core.common.atomic import write_atomically
from core.common.events import NEVER_CANCELLED, Event, ExtraFramesIgnored, SupportsCheckpoint, TileDone, relay
from core.imageio.files import (
    DEFAULT_MAX_PIXELS,
    SUFFIX_FORMATS,
    DecodedImage,
    ImageWriteError,
    check_output_size,
    keep_format,
    load_image,
    normalize_format,
    save_image,
)
from core.inference.detail_map import consistency_map, heat_overlay
from core.inference.output_size import OutputSize, resize_result
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.blend import ModelBlend
from core.models.library import resolve_model

# The photo-realistic end of the detail slider unless another model is named.
DEFAULT_DETAIL_PARTNER = "srgan-x4"


@dataclass(frozen=True)
class UpscaleOptions:
    model: str | None = None                       # model path or library name; None = default model
    inference: InferenceOptions = InferenceOptions()
    output_format: str | None = None               # None or "keep" = the destination's suffix, else the source's
    quality: int = 95
    max_pixels: int | None = DEFAULT_MAX_PIXELS    # None = allow huge images
    # The detail slider: blend `model` (0) with the photo-realistic `detail_with` (1); None = `model` alone.
    detail: float | None = None
    detail_with: str | None = DEFAULT_DETAIL_PARTNER
    save_map: bool = False                         # also write <output>_map.png, the invented-detail map
    output_size: OutputSize | None = None          # None = the model's native scale (see core.inference.output_size)

    def __post_init__(self) -> None:
        if self.detail is not None and not 0.0 <= self.detail <= 1.0:
            raise ValueError(f"detail must be between 0 and 1, got {self.detail}")
        if self.output_format is not None and self.output_format != "keep":
            try:
                normalize_format(self.output_format)
            except ImageWriteError as exc:
                raise ValueError(str(exc)) from None
        if not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be between 1 and 100, got {self.quality}")
        if self.max_pixels is not None and self.max_pixels < 1:
            raise ValueError(f"max_pixels must be positive or None, got {self.max_pixels}")


def open_upscaler(options: UpscaleOptions) -> Upscaler:
    """Load the model the options name, or their blend (ModelFileError on a missing, bad or unblendable model)."""
    if options.detail is None:
        return Upscaler(resolve_model(options.model), options.inference)
    blend = ModelBlend.load(resolve_model(options.model), resolve_model(options.detail_with))
    return Upscaler.from_generator(blend.at(options.detail), blend.info_at(options.detail), options.inference)


def map_path(destination: Path) -> Path:
    """Where `--save-map` puts the invented-detail map of `destination`: beside it, always PNG."""
    return destination.with_name(f"{destination.stem}_map.png")


def upscale_decoded(upscaler: Upscaler, image: DecodedImage, control: SupportsCheckpoint = NEVER_CANCELLED,
                    output_size: OutputSize | None = None) -> Generator[Event, None, DecodedImage]:
    """Upscale colour and alpha; the result keeps the metadata, with DPI scaled so the print size stays.

    With an `output_size` the model's result is resized to it (LANCZOS; DPI follows the real factor).
    """
    result = yield from _upscale_native(upscaler, image, control)
    if output_size is None:
        return result
    return resize_result(result, output_size.size_for(image.width, image.height))


def _upscale_native(upscaler: Upscaler, image: DecodedImage, control: SupportsCheckpoint
                    ) -> Generator[Event, None, DecodedImage]:
    needs_alpha_pass = image.alpha is not None and not bool((image.alpha >= 1.0).all())
    passes = _passes_for(upscaler, image) + (_passes_for(upscaler, image, alpha=True) if needs_alpha_pass else 0)
    progress = _Progress(passes)
    color = yield from _upscale_planes(upscaler, image.color, image.grayscale, control, progress)
    alpha = None
    if image.alpha is not None:
        s = upscaler.scale
        if needs_alpha_pass:
            alpha = (yield from _upscale_planes(upscaler, image.alpha[..., None], True, control, progress))[..., 0]
        else:
            alpha = np.ones((image.height * s, image.width * s), dtype=np.float32)
    dpi = image.metadata.dpi
    metadata = dataclasses.replace(image.metadata, dpi=(dpi[0] * upscaler.scale, dpi[1] * upscaler.scale)
                                   if dpi else None)
    return DecodedImage(color, alpha, image.grayscale, image.bit_depth, metadata)


def upscale_file(upscaler: Upscaler, source: str | os.PathLike, destination: str | os.PathLike,
                 options: UpscaleOptions = UpscaleOptions(), control: SupportsCheckpoint = NEVER_CANCELLED,
                 decoded: DecodedImage | None = None) -> Generator[Event, None, Path]:
    """Read `source`, upscale it, write `destination` atomically; returns the written path.

    Refuses to overwrite the source. Everything that can be checked before the (long)
    upscale is checked first. Cancelling leaves no output file behind. An animation or a
    multi-page file gives one `ExtraFramesIgnored` (only its first frame is upscaled).
    `decoded` is the source's pixels when the caller has read them already (a batch choosing
    the model from them), so the file is not decoded twice.
    """
    source, destination = Path(source), Path(destination)
    refuse_overwriting_input(source, destination)
    image = decoded if decoded is not None else load_image(source, options.max_pixels)
    if image.frames > 1:
        yield ExtraFramesIgnored(source, image.frames, image.frame_unit)
    fmt = output_format_for(options, destination, image.metadata.source_format)
    size = _output_size(options, image, upscaler.scale)
    check_output_size(fmt, *size, destination.name)
    _check_folder_writable(destination.parent)
    native = yield from upscale_decoded(upscaler, image, control)
    result = resize_result(native, size)
    control.checkpoint()                               # a cancel during the last tile writes nothing
    written = save_image(result, destination, fmt, options.quality)
    if options.save_map:
        overlay = Image.fromarray(heat_overlay(consistency_map(image.color, native.color, upscaler.scale)), "RGBA")
        if overlay.size != size:
            overlay = overlay.resize(size, Image.Resampling.BILINEAR)   # laid over the output it describes
        write_atomically(map_path(destination), lambda f: overlay.save(f, "PNG"))
    return written


def _output_size(options: UpscaleOptions, image: DecodedImage, scale: int) -> tuple[int, int]:
    """The (width, height) `upscale_file` writes: the model's native size unless the options ask otherwise."""
    if options.output_size is None:
        return image.width * scale, image.height * scale
    return options.output_size.size_for(image.width, image.height)


def output_format_for(options: UpscaleOptions, destination: Path, source_format: str = "") -> str:
    """Explicit format first, then the destination's suffix, then the source's own format."""
    if options.output_format not in (None, "keep"):
        return normalize_format(options.output_format)
    suffix_format = SUFFIX_FORMATS.get(destination.suffix.lower())
    if suffix_format:
        return suffix_format
    if source_format:
        return keep_format(source_format)
    raise ImageWriteError(f"{destination.name}: cannot tell the output format from its name "
                          f"(use .png, .jpg, .webp or .tif, or choose a format)")


def refuse_overwriting_input(source: Path, destination: Path) -> None:
    """ImageWriteError if writing `destination` would replace `source` (same path, link or case)."""
    # realpath, not Path.resolve: a looping link must not raise here (it is simply not the source).
    same = os.path.normcase(os.path.realpath(destination)) == os.path.normcase(os.path.realpath(source))
    if not same and destination.exists() and source.exists():
        try:
            same = os.path.samefile(source, destination)
        except OSError:
            same = False
    if same:
        raise ImageWriteError(f"{destination.name}: writing it would overwrite the input image; "
                              f"choose another output name or folder")


def _check_folder_writable(folder: Path) -> None:
    """Fail before the upscale, not after it, when the output cannot be written."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ImageWriteError(f"{folder}: cannot write in this folder ({existing.name} is a file)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ImageWriteError(f"{folder}: cannot write in this folder (permission denied)")


class _Progress:
    """Numbers tiles across the colour and alpha passes so a progress bar only moves forward."""

    def __init__(self, passes: int) -> None:
        self.passes = max(1, passes)
        self.finished_tiles = 0
        self.pass_tiles = 0                            # tiles of the pass under way, as it last said

    def relabel(self, event: Event) -> Iterator[Event]:
        """The pass's event, its tiles counted across all passes."""
        if not isinstance(event, TileDone):
            yield event
            return
        self.pass_tiles = event.total
        total = self.finished_tiles + event.total * self.passes
        yield TileDone(self.finished_tiles + event.done, total, event.tile)

    def pass_done(self) -> None:
        self.finished_tiles += self.pass_tiles
        self.pass_tiles = 0
        self.passes -= 1


def _passes_for(upscaler: Upscaler, image: DecodedImage, alpha: bool = False) -> int:
    """How many network passes a plane set takes: a 1-channel model runs R, G and B separately."""
    if alpha or image.grayscale or upscaler.info.arch_config.channels == 3:
        return 1
    return 3


def _upscale_planes(upscaler: Upscaler, planes: np.ndarray, gray: bool, control: SupportsCheckpoint, progress: _Progress
                    ) -> Generator[Event, None, np.ndarray]:
    """H x W x C planes through the network; grey planes go in as one channel and come back as 3."""
    model_channels = upscaler.info.arch_config.channels
    if gray:
        one = planes[..., :1] if planes.shape[2] == 1 else planes.mean(axis=2, keepdims=True)
        inputs = [np.repeat(one, 3, axis=2) if model_channels == 3 else one]
    elif model_channels == 3:
        inputs = [planes]
    else:
        inputs = [planes[..., c:c + 1] for c in range(3)]
    outputs = []
    for array in inputs:
        outputs.append((yield from relay(upscaler.upscale(np.ascontiguousarray(array, np.float32), control),
                                         progress.relabel)))
        progress.pass_done()
    if gray:
        grey = outputs[0].mean(axis=2, keepdims=True)
        return np.ascontiguousarray(np.repeat(grey, 3, axis=2) if planes.shape[2] == 3 else grey)
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=2)

