"""How close is the batch window's time estimate to the real run? Estimate, then run, 5 generated photos.

    .venv/bin/python benchmarks/bench_batch_estimate.py                      # the default model, 5 photos
    .venv/bin/python benchmarks/bench_batch_estimate.py --size 1200x800 --device cuda

The photos are JPEGs with smooth gradients, shapes and grain (what the estimate's probe crop
sees matters less than their size, but flat synthetic images would flatter the encoder).
Prints the estimate (in the words the batch window shows), the real run's time and their
ratio; issue 17 asks for a ratio within 0.7 to 1.3.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.batch.estimate import estimate_batch  # noqa: E402
from core.batch.runner import BatchOptions, plan_batch, run_batch  # noqa: E402
from core.common.formatting import format_duration  # noqa: E402
from core.inference.upscale import UpscaleOptions, open_upscaler  # noqa: E402
from core.inference.upscaler import InferenceOptions  # noqa: E402


def make_photos(folder: Path, count: int, size: tuple[int, int], seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    width, height = size
    for i in range(count):
        x = np.linspace(0, 1, width)[None, :, None]
        y = np.linspace(0, 1, height)[:, None, None]
        tint = rng.random(3)[None, None, :]
        base = 255 * (0.6 * x * tint + 0.4 * y * (1 - tint))
        image = Image.fromarray((base + rng.normal(0, 6, (height, width, 3))).clip(0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
            r = int(rng.integers(5, max(6, width // 8)))
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        image.save(folder / f"photo{i}.jpg", quality=90)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of each photo")
    parser.add_argument("--model", help="model file or library name (default: the library's default)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="srgan-bench-") as tmp:
        root = Path(tmp)
        make_photos(root / "in", args.count, (size[0], size[1]))
        plan = plan_batch([root / "in"], BatchOptions(output_dir=root / "out"))
        options = UpscaleOptions(model=args.model, inference=InferenceOptions(device=args.device))
        upscaler = open_upscaler(options)
        started = time.perf_counter()
        estimate = estimate_batch(plan, upscaler)
        probe_seconds = time.perf_counter() - started
        print(f"{len(plan.jobs)} photos of {size[0]}x{size[1]} ({plan.total_pixels / 1e6:.2f} MP) on {estimate.device}")
        print(f"estimate: {estimate.seconds:.1f} s ({format_duration(estimate.seconds, rounded=True)}), "
              f"measured in {probe_seconds:.1f} s")
        started = time.perf_counter()
        for _event in run_batch(plan, options, upscaler=upscaler):
            pass
        real = time.perf_counter() - started
        print(f"real run: {real:.1f} s ({format_duration(real, rounded=True)})")
        print(f"estimate / real = {estimate.seconds / real:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
