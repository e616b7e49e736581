"""How long a batch will take and how much disk it will fill, from a short measured probe.

The probe runs the loaded upscaler on a small crop of the first image (after one warm-up
run) and times it; the batch's cost is then extrapolated by the pixels the tiler will really
push through the network (tile context included). The same probe output is encoded in each
output format the batch writes, which gives bytes per output pixel for the disk estimate.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.batch_plan import BatchJob, BatchPlan, output_format_for
from core.image_io import DecodedImage, ImageMetadata, load_image, save_image
from core.tiling import plan_tiles

PROBE_CPU = 64        # input pixels per edge: long enough to time, short enough to feel instant
PROBE_GPU = 256


@dataclass(frozen=True)
class BatchEstimate:
    seconds: float                  # for the jobs that will run
    output_bytes: int
    seconds_per_megapixel: float    # input megapixels, tile context included
    device: str                     # words, e.g. "CPU (2 threads)"


def network_pixels(job: BatchJob, tile: int, overlap: int) -> int:
    """Input pixels the network processes for one image, context around each tile included."""
    return sum((t.wy1 - t.wy0) * (t.wx1 - t.wx0) for t in plan_tiles(job.height, job.width, tile, overlap))


def estimate_batch(plan: BatchPlan, upscaler) -> BatchEstimate:
    """Measure the upscaler on a probe crop and extrapolate to the plan's pending jobs."""
    jobs = plan.pending
    probe = _probe_image(jobs[0].source if jobs else None,
                         PROBE_CPU if upscaler.choice.device.type == "cpu" else PROBE_GPU)
    seconds_per_pixel, output = _time_network(upscaler, probe)
    work = sum(network_pixels(job, upscaler.tile, upscaler.options.overlap) for job in jobs)
    scale2 = upscaler.scale ** 2
    formats = {output_format_for(job.source, plan.options.output_format) for job in jobs}
    per_pixel = {fmt: _bytes_per_pixel(output, fmt, plan.options.quality) for fmt in formats}
    out_bytes = sum(per_pixel[output_format_for(j.source, plan.options.output_format)] * j.pixels * scale2
                    for j in jobs)
    return BatchEstimate(seconds=work * seconds_per_pixel, output_bytes=int(out_bytes),
                         seconds_per_megapixel=seconds_per_pixel * 1e6,
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


def _time_network(upscaler, image: np.ndarray) -> tuple[float, np.ndarray]:
    batch = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0)
    upscaler.run_model(batch[:, :, :16, :16])                    # warm-up: first-call set-up costs
    start = time.perf_counter()
    result = upscaler.run_model(batch)
    if upscaler.choice.device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return seconds / (image.shape[0] * image.shape[1]), result[0].permute(1, 2, 0).numpy()


def _bytes_per_pixel(output: np.ndarray, fmt: str, quality: int) -> float:
    image = DecodedImage(color=output, alpha=None, grayscale=False, bit_depth=8,
                         metadata=ImageMetadata(icc_profile=None, exif=None, dpi=None, source_format="PNG"))
    with tempfile.TemporaryDirectory(prefix="srgan-estimate-") as folder:
        path = save_image(image, Path(folder) / f"probe.{fmt}", fmt=fmt, quality=quality)
        return path.stat().st_size / (output.shape[0] * output.shape[1])
