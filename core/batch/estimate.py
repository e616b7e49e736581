"""How long a batch will take and how much disk it will fill, from a short measured probe.

The probe runs the loaded upscaler on a crop of the first image and on a half-size crop (each
after a warm-up run of its shape, the median of three timings), once per loaded upscaler; the
batch's cost is then extrapolated by the pixels the tiler will really push through the network
(tile context included). The same probe output is encoded in each output format the batch
writes, which gives bytes per output pixel for the disk estimate.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.batch.plan import BatchJob, BatchPlan, output_format_for
from core.imageio.files import DecodedImage, ImageMetadata, load_image, save_image
from core.inference.output_size import OutputSize
from core.inference.tiling import plan_tiles

PROBE_CPU = 256       # input pixels per edge (a half-size crop is timed too): tile-sized, ~2.5 s once per model
PROBE_GPU = 256
TIMED_REPEATS = 3     # timed runs per probe size, after an untimed one

# The probe's timings per loaded upscaler: a re-plan (another naming pattern, a file added) is
# estimated again without running the network again.
_measured: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class BatchEstimate:
    seconds: float                  # for the jobs that will run
    output_bytes: int
    seconds_per_megapixel: float    # input megapixels, tile context included
    device: str                     # words, e.g. "CPU (2 threads)"


def network_pixels(job: BatchJob, tile: int, overlap: int) -> int:
    """Input pixels the network processes for one image, context around each tile included."""
    return sum((t.wy1 - t.wy0) * (t.wx1 - t.wx0) for t in plan_tiles(job.height, job.width, tile, overlap))


def estimate_batch(plan: BatchPlan, upscaler, output_size: OutputSize | None = None) -> BatchEstimate:
    """Measure the upscaler on probe crops (once per upscaler) and extrapolate to the plan's pending jobs.

    `output_size` (the options' size, None = the model's scale) decides the output pixels encoded.
    """
    jobs = plan.pending
    rates = _measured.get(upscaler)
    if rates is None:
        size = PROBE_CPU if upscaler.choice.device.type == "cpu" else PROBE_GPU
        rates = _measured[upscaler] = _time_network(upscaler, _probe_image(jobs[0].source if jobs else None, size))
    per_call, per_pixel, output = rates
    tile, overlap = upscaler.tile, upscaler.options.overlap
    network_seconds = sum(per_call * len(plan_tiles(j.height, j.width, tile, overlap))
                          + per_pixel * network_pixels(j, tile, overlap) for j in jobs)
    formats = {output_format_for(job.source, plan.options.output_format) for job in jobs}
    encoding = {fmt: _encode_cost(output, fmt, plan.options.quality) for fmt in formats}
    out_bytes = out_seconds = 0.0
    for job in jobs:
        bytes_per_pixel, seconds_per_pixel = encoding[output_format_for(job.source, plan.options.output_format)]
        width, height = (output_size.size_for(job.width, job.height) if output_size is not None
                         else (job.width * upscaler.scale, job.height * upscaler.scale))
        out_bytes += bytes_per_pixel * width * height
        out_seconds += seconds_per_pixel * width * height
    return BatchEstimate(seconds=network_seconds + out_seconds, output_bytes=int(out_bytes),
                         seconds_per_megapixel=per_pixel * 1e6 + per_call * 1e6 / tile ** 2,
                         device=upscaler.device_event().description)


def _probe_image(source: Path | None, size: int) -> np.ndarray:
    """A centre crop of the first image; a smooth synthetic one if it cannot be read."""
    try:
        if source is None:
            raise ValueError("no source")
        color = load_image(source, max_pixels=None).color
        h, w = color.shape[:2]
        y, x = max((h - size) // 2, 0), max((w - size) // 2, 0)
        crop = color[y:y + size, x:x + size]
        if min(crop.shape[:2]) >= 16:
            return np.ascontiguousarray(crop, dtype=np.float32)
    except Exception:  # noqa: BLE001 - the estimate must never fail because of one odd file
        pass
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    return np.stack([np.add.outer(ramp, ramp) / 2, np.outer(ramp, ramp), np.add.outer(ramp, 1 - ramp) / 2], axis=2)


def _time_network(upscaler, image: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(seconds per network call, seconds per input pixel, probe output) from two probe sizes.

    A network call has a fixed cost (dispatch, memory set-up) besides its per-pixel cost;
    timing a half-size and a full-size crop separates the two, so extrapolating from a small
    probe to big tiles neither over- nor under-shoots by that overhead.
    """
    batch = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0)
    half = batch[:, :, : batch.shape[2] // 2, : batch.shape[3] // 2]
    small_seconds, _ = _timed(upscaler, half)
    big_seconds, result = _timed(upscaler, batch)
    small_pixels, big_pixels = half.shape[2] * half.shape[3], batch.shape[2] * batch.shape[3]
    per_pixel = (big_seconds - small_seconds) / max(big_pixels - small_pixels, 1)
    if per_pixel <= 0:                                           # noisy timings: assume no fixed cost
        return 0.0, big_seconds / big_pixels, result[0].permute(1, 2, 0).numpy()
    per_call = max(big_seconds - per_pixel * big_pixels, 0.0)
    return per_call, per_pixel, result[0].permute(1, 2, 0).numpy()


def _timed(upscaler, batch: torch.Tensor, repeats: int = TIMED_REPEATS) -> tuple[float, torch.Tensor]:
    """The median of `repeats` runs, after one untimed run of this very shape.

    The first run of a new input shape pays one-off set-up (oneDNN builds its kernels per shape,
    cuDNN picks algorithms) that the batch pays once per tile shape, not once per tile; and one
    timing on a busy machine can be off by half. A lone timing made the estimate of a 5-photo
    batch 1.8x too long (benchmarks/bench_batch_estimate.py). The median, not the fastest run:
    a machine busy with other work stays busy during the batch too.
    """
    result = upscaler.run_model(batch)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = upscaler.run_model(batch)
        if upscaler.choice.device.type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def _encode_cost(output: np.ndarray, fmt: str, quality: int) -> tuple[float, float]:
    """(bytes, seconds) per output pixel for writing the probe's output in `fmt`."""
    image = DecodedImage(color=output, alpha=None, grayscale=False, bit_depth=8,
                         metadata=ImageMetadata(icc_profile=None, exif=None, dpi=None, source_format="PNG"))
    pixels = output.shape[0] * output.shape[1]
    with tempfile.TemporaryDirectory(prefix="srgan-estimate-") as folder:
        start = time.perf_counter()
        path = save_image(image, Path(folder) / f"probe.{fmt}", fmt=fmt, quality=quality)
        seconds = time.perf_counter() - start
        return path.stat().st_size / pixels, seconds / pixels
