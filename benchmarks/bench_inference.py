"""Inference speed and memory of the shipped path on this machine, against a naive eager run.

    .venv/bin/python benchmarks/bench_inference.py                 # both measurements
    .venv/bin/python benchmarks/bench_inference.py --repeats 7 --skip-rss
    .venv/bin/python benchmarks/bench_inference.py --device cuda

(1) Speed: a 256x256 -> 1024x1024 upscale with the paper network (GeneratorConfig(), random
    weights with non-trivial BatchNorm statistics), timed as
      naive     the network as trained: eager fp32, NCHW, BN unfolded, one pass, no_grad
      fold      BN folded into the convs (core.nets.bn_fold), inference_mode
      fold+cl   the same in channels_last (oneDNN's preferred layout: the fallback path)
      shipped   `Upscaler(...).upscale(image)`: what the app, batch mode and CLI run
    All variants run in this one process, interleaved round by round, so load from other
    programs hits them alike; the ratio is of medians (and, in brackets, the median of the
    per-round ratios). The largest difference of each
    variant from naive is printed in 8-bit levels (must stay below 1).
(2) Memory: a 1024x1024 -> 4096x4096 upscale through the shipped path, in a fresh child
    process so nothing else pollutes its peak RSS (resource.getrusage ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.events import drain  # noqa: E402
from core.inference.upscaler import InferenceOptions, Upscaler  # noqa: E402
from core.models.model_file import load_model, save_model  # noqa: E402
from core.nets.bn_fold import fold_batchnorm  # noqa: E402
from core.nets.config import GeneratorConfig  # noqa: E402
from core.nets.srresnet import SRResNet  # noqa: E402


def paper_model_file(folder: Path) -> Path:
    torch.manual_seed(0)
    model = SRResNet(GeneratorConfig())
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):      # as after training: folding has work to do
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.1, 0.1)
    with torch.no_grad():
        model.tail.bias.fill_(0.5)                        # mid-grey outputs: differences are not clamped away
    return save_model(model.eval(), folder / "paper.safetensors", name="paper")


def test_image(side: int) -> np.ndarray:
    ramp = np.linspace(0, 1, side, dtype=np.float32)
    noise = np.random.default_rng(0).random((side, side, 3), dtype=np.float32)
    smooth = np.stack([np.add.outer(ramp, ramp) / 2, np.outer(ramp, ramp), np.add.outer(ramp, 1 - ramp) / 2], 2)
    return (0.7 * smooth + 0.3 * noise).astype(np.float32)


def variants(model_path: Path, device: str, image: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    model, _ = load_model(model_path)
    x = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()
    folded = fold_batchnorm(model)
    folded_cl = fold_batchnorm(model).to(memory_format=torch.channels_last)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    upscaler = Upscaler(model_path, InferenceOptions(device=device))

    def as_image(y: torch.Tensor) -> np.ndarray:
        return y.clamp(0, 1)[0].permute(1, 2, 0).numpy()

    def naive() -> np.ndarray:
        with torch.no_grad():
            return as_image(model(x))

    def fold() -> np.ndarray:
        with torch.inference_mode():
            return as_image(folded(x))

    def fold_cl() -> np.ndarray:
        with torch.inference_mode():
            return as_image(folded_cl(x_cl))

    def shipped() -> np.ndarray:
        return drain(upscaler.upscale(image))

    found = {"naive": naive, "fold": fold, "fold+cl": fold_cl, "shipped": shipped}
    print(f"shipped path: {upscaler.device_event().description}, {upscaler.choice.precision}, "
          f"{upscaler.kernels} kernels, tile {upscaler.tile}", flush=True)
    return found


def bench_speed(model_path: Path, device: str, repeats: int, only: list[str]) -> None:
    image = test_image(256)
    runs = {k: v for k, v in variants(model_path, device, image).items() if k in only or k == "naive"}
    reference = runs["naive"]()
    for name, run in runs.items():                       # warm-up: kernel selection, allocator
        diff = np.abs(run() - reference).max() * 255 if name != "naive" else 0.0
        print(f"  {name:8s} max difference from naive: {diff:.4f} of one 8-bit level", flush=True)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for round_ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
        print(f"  round {round_ + 1}/{repeats}: "
              + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    base = statistics.median(times["naive"])
    print("256x256 -> 1024x1024, median of", repeats, "(min); speed-up = ratio of medians "
          "[median of the per-round ratios, which cancels load that drifts between rounds]:")
    for name, values in times.items():
        median = statistics.median(values)
        paired = statistics.median(n / v for n, v in zip(times["naive"], values))
        print(f"  {name:8s} {median:7.2f} s ({min(values):.2f})   speed-up vs naive {base / median:.2f}x "
              f"[{paired:.2f}x]")


def rss_child(model_path: Path, device: str, side: int) -> None:
    """Runs in a fresh process: one side x side upscale through the shipped path, then peak RSS."""
    upscaler = Upscaler(model_path, InferenceOptions(device=device))
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    out = drain(upscaler.upscale(test_image(side)))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    print(f"{side}x{side} -> {out.shape[1]}x{out.shape[0]}: peak RSS {peak:.0f} MiB "
          f"(after loading {loaded:.0f} MiB), tile {upscaler.tile}, {seconds:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", default="fold,fold+cl,shipped", help="besides naive, comma-separated")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--rss-side", type=int, default=1024)
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.device, args.rss_side)
        return
    with tempfile.TemporaryDirectory() as folder:
        model_path = paper_model_file(Path(folder))
        if not args.skip_speed:
            bench_speed(model_path, args.device, args.repeats, args.variants.split(","))
        if not args.skip_rss:
            subprocess.run([sys.executable, __file__, "--rss-child", str(model_path), "--device", args.device,
                            "--rss-side", str(args.rss_side)], check=True)


if __name__ == "__main__":
    main()
