"""Run a generator on images of any size: tiled, cancellable, on the best available device.

`Upscaler` prepares a model once (BatchNorm folded into the convs; on the CPU NNPACK's
fast-convolution kernels, or oneDNN in channels_last; the precision the device is fast at)
and then upscales float arrays tile by tile, yielding `TileDone` events and returning the
result. Image files, formats and metadata are `core.imageio.files`'s business.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.common.devices import DeviceChoice, choose_device
from core.common.events import NEVER_CANCELLED, DeviceChosen, Event, SupportsCheckpoint, TileDone
from core.inference.fast_conv import nnpack_works, use_nnpack
from core.inference.fused_tail import fuse_tail
from core.inference.tiling import plan_tiles
from core.models.model_file import ModelInfo, load_model
from core.nets.bn_fold import fold_batchnorm
from core.nets.srresnet import SRResNet

Box = tuple[int, int, int, int]   # (x0, y0, x1, y1) in input pixels, end-exclusive

AUTO_TILE_CPU = 256       # input pixels; a 1024 -> 4096 upscale of the paper network peaks at ~1.6 GB RSS
AUTO_TILE_GPU = 512
DEFAULT_OVERLAP = 16      # input pixels of context on each side of a tile
MIN_TILE = 32


@dataclass(frozen=True)
class InferenceOptions:
    device: str = "auto"          # "auto", "cpu", "cuda", "cuda:N", "mps"
    precision: str = "auto"       # "auto" (fastest safe on the device) or "fp32"
    tile: int | None = None       # input pixels per tile edge; None picks by device
    overlap: int = DEFAULT_OVERLAP

    def __post_init__(self) -> None:
        if self.tile is not None and self.tile < MIN_TILE:
            raise ValueError(f"tile must be at least {MIN_TILE} pixels, got {self.tile}")
        if self.overlap < 0:
            raise ValueError(f"overlap must not be negative, got {self.overlap}")


class Upscaler:
    """A model loaded and optimised for inference on one device."""

    def __init__(self, model_path: str | Path, options: InferenceOptions = InferenceOptions()) -> None:
        model, info = load_model(model_path)
        self._prepare(model, info, options)

    @classmethod
    def from_generator(cls, model: SRResNet, info: ModelInfo,
                       options: InferenceOptions = InferenceOptions()) -> Upscaler:
        """An upscaler for a generator built in memory (a blend of two models) rather than read from a file."""
        upscaler = cls.__new__(cls)
        upscaler._prepare(model, info, options)
        return upscaler

    def _prepare(self, model: SRResNet, info: ModelInfo, options: InferenceOptions) -> None:
        self.info = info
        self.options = options
        self.choice: DeviceChoice = choose_device(options.device, options.precision)
        self.model, self.kernels = prepare_for_inference(model, self.choice)
        self._tile = options.tile or (AUTO_TILE_CPU if self.device_type == "cpu" else AUTO_TILE_GPU)

    @property
    def scale(self) -> int:
        return self.info.scale

    @property
    def channels(self) -> int:
        """Colour channels the network takes and gives (3 for RGB models)."""
        return self.info.arch_config.channels

    @property
    def device_type(self) -> str:
        """"cpu", "cuda" or "mps": where the network runs."""
        return self.choice.device.type

    @property
    def tile(self) -> int:
        """Tile edge in input pixels an upscale starts with (it halves after out-of-memory)."""
        return self._tile

    @property
    def model_info(self) -> ModelInfo:
        return self.info

    def device_event(self) -> DeviceChosen:
        c = self.choice
        return DeviceChosen(str(c.device), c.description, c.precision, c.notice)

    def upscale(self, image: np.ndarray, control: SupportsCheckpoint = NEVER_CANCELLED
                ) -> Generator[Event, None, np.ndarray]:
        """Upscale an HxWxC float32 array in [0, 1] (C = the model's channels).

        Yields `TileDone` after each tile; returns the (sH)x(sW)xC float32 result in [0, 1].
        On out-of-memory (CUDA, or the CPU allocator) the tile edge halves and the image
        restarts at the new size; `TileDone.tile` reports the size in use.
        """
        if image.ndim != 3 or image.shape[2] != self.channels:
            raise ValueError(f"expected an HxWx{self.channels} array, got {image.shape}")
        image = np.asarray(image, dtype=np.float32)
        tile = self.tile
        while True:
            try:
                return (yield from self._upscale_tiled(image, tile, control))
            except (torch.OutOfMemoryError, RuntimeError) as exc:
                if not is_out_of_memory(exc) or tile // 2 < MIN_TILE:
                    raise
                tile //= 2
                if self.device_type == "cuda":
                    torch.cuda.empty_cache()

    def upscale_region(self, image: np.ndarray, box: Box, control: SupportsCheckpoint = NEVER_CANCELLED
                       ) -> Generator[Event, None, np.ndarray]:
        """The upscaled pixels of `box` = (x0, y0, x1, y1) only: (s*(y1-y0)) x (s*(x1-x0)) x C.

        The box is run with `overlap` pixels of real context around it (as every tile of the
        full run is), so it matches the same region of `upscale(image)` within 1/255 while
        costing only the box's share of the work: the GUI's fast preview of the visible part.
        """
        height, width = image.shape[:2]
        x0, y0, x1, y1 = (int(v) for v in box)
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise ValueError(f"box {box} is empty or outside the {width}x{height} image")
        margin = self.options.overlap
        cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
        cx1, cy1 = min(width, x1 + margin), min(height, y1 + margin)
        crop = np.ascontiguousarray(image[cy0:cy1, cx0:cx1])
        out = yield from self.upscale(crop, control)
        s = self.scale
        return np.ascontiguousarray(out[(y0 - cy0) * s:(y1 - cy0) * s, (x0 - cx0) * s:(x1 - cx0) * s])

    def _upscale_tiled(self, image: np.ndarray, tile: int, control: SupportsCheckpoint
                       ) -> Generator[Event, None, np.ndarray]:
        height, width, channels = image.shape
        s = self.scale
        out = np.empty((height * s, width * s, channels), dtype=np.float32)
        tiles = plan_tiles(height, width, tile, self.options.overlap)
        source = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0)
        for done, t in enumerate(tiles, start=1):
            control.checkpoint()
            window = source[:, :, t.wy0:t.wy1, t.wx0:t.wx1]
            result = self.run_model(window)                     # (1, C, s*h, s*w) float32 on CPU
            top, left = (t.y0 - t.wy0) * s, (t.x0 - t.wx0) * s
            kept = result[0, :, top:top + (t.y1 - t.y0) * s, left:left + (t.x1 - t.x0) * s]
            out[t.y0 * s:t.y1 * s, t.x0 * s:t.x1 * s] = kept.permute(1, 2, 0).numpy()
            yield TileDone(done, len(tiles), tile)
        return out

    @torch.inference_mode()
    def run_model(self, batch: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) float in [0, 1] -> (N, C, s*h, s*w) float32 clamped to [0, 1], on the CPU."""
        c = self.choice
        x = batch.to(c.device, non_blocking=True)
        if self.kernels != "nnpack":                    # NNPACK reads NCHW; oneDNN/cuDNN prefer NHWC
            x = x.to(memory_format=torch.channels_last)
        if c.dtype == torch.bfloat16 and c.device.type == "cpu":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                y = self.model(x)
        else:
            y = self.model(x.to(c.dtype))
        return y.float().clamp_(0, 1).cpu().contiguous()


def prepare_for_inference(model: torch.nn.Module, choice: DeviceChoice) -> tuple[torch.nn.Module, str]:
    """Fold BN and pick the fastest exact kernels for the device: (model, kernel family).

    fp32 on the CPU runs NNPACK where it works (about 2x oneDNN on AVX2, see core.inference.fast_conv);
    otherwise the model goes to the device in channels_last ("onednn" on the CPU, with bf16
    autocast on CPUs with bf16 units; "cuda"/"mps" on GPUs, cast to fp16 where chosen).
    On the CPU the last upsampling stage runs in bands (core.inference.fused_tail) to bound memory.
    """
    model = fold_batchnorm(model)
    for p in model.parameters():
        p.requires_grad_(False)
    if choice.device.type == "cpu" and choice.dtype == torch.float32 and nnpack_works():
        return fuse_tail(use_nnpack(model)), "nnpack"
    if choice.device.type == "cpu":
        model = fuse_tail(model)
    model = model.to(choice.device).to(memory_format=torch.channels_last)
    if choice.dtype == torch.float16:
        model = model.half()
    return model, ("onednn" if choice.device.type == "cpu" else choice.device.type)


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA raises torch.OutOfMemoryError; the CPU allocator raises a RuntimeError saying so."""
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc)
    return "can't allocate memory" in text or "out of memory" in text.lower()

