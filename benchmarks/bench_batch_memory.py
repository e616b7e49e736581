"""Does memory stay flat over a long batch? Upscale N generated images and sample RSS after each.

    .venv/bin/python benchmarks/bench_batch_memory.py                 # 200 images, small generated model
    .venv/bin/python benchmarks/bench_batch_memory.py --model NAME --count 200 --device cuda

Images get varied sizes (so every one has a new tensor shape, as in real folders) and mixed
PNG/JPEG formats. Prints RSS at milestones and the growth per image fitted over the second
half of the run (after allocator and kernel caches have warmed up).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.batch.runner import BatchOptions, plan_batch, run_batch  # noqa: E402
from core.common.events import ImageDone, ImageFailed  # noqa: E402
from core.inference.upscale import UpscaleOptions, open_upscaler  # noqa: E402
from core.inference.upscaler import InferenceOptions  # noqa: E402
from core.models.model_file import save_model  # noqa: E402
from core.nets.config import GeneratorConfig  # noqa: E402
from core.nets.srresnet import SRResNet  # noqa: E402


def rss_mb() -> float:
    """Resident set size now (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def make_images(folder: Path, count: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for i in range(count):
        width, height = int(rng.integers(80, 161)), int(rng.integers(60, 121))
        x = np.linspace(0, 255, width)[None, :, None]
        y = np.linspace(0, 255, height)[:, None, None]
        pixels = (0.5 * x + 0.4 * y + rng.integers(0, 50, (height, width, 3))).clip(0, 255).astype(np.uint8)
        sub = folder / f"part{i % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(sub / f"img{i:04d}.{'png' if i % 2 else 'jpg'}", quality=90)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--model", help="model file or library name (default: a generated 4-block, 32-wide net)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="srgan-bench-") as tmp:
        root = Path(tmp)
        model = args.model or str(save_model(SRResNet(GeneratorConfig(num_blocks=4, width=32)).eval(),
                                             root / "bench.safetensors", name="bench"))
        make_images(root / "in", args.count)
        plan = plan_batch([root / "in"], BatchOptions(output_dir=root / "out"))
        options = UpscaleOptions(model=model, inference=InferenceOptions(device=args.device))
        upscaler = open_upscaler(options)
        samples: list[float] = []
        failed = 0
        start = time.monotonic()
        device = upscaler.device_event().description
        print(f"{len(plan.jobs)} images, {plan.total_pixels / 1e6:.2f} MP, device {device}")
        print(f"RSS before the run: {rss_mb():.1f} MB")
        for event in run_batch(plan, options, upscaler=upscaler):
            if isinstance(event, ImageDone):
                samples.append(rss_mb())
                if len(samples) in (1, 10, 25, 50, 100, 150, 200) or len(samples) == len(plan.jobs):
                    print(f"  after {len(samples):4d} images: RSS {samples[-1]:7.1f} MB")
            elif isinstance(event, ImageFailed):
                failed += 1
        half = len(samples) // 2
        slope = np.polyfit(np.arange(half, len(samples)), samples[half:], 1)[0] if len(samples) > 4 else 0.0
        print(f"done in {time.monotonic() - start:.0f} s, {failed} failed; RSS min/max over the run "
              f"{min(samples):.1f}/{max(samples):.1f} MB; growth over the second half {slope * 1024:+.1f} kB/image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
