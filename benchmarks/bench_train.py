"""Training throughput of the paper network (batch 16, 96 px HR crops) on this machine.

    python benchmarks/bench_train.py                      # mse phase, every variant
    python benchmarks/bench_train.py --blocks 16 --width 32   # the bundled models' network
    python benchmarks/bench_train.py --phase gan --steps 2

Variants, all through the trainer's own step code (`core.training.steps`) on random data:
  naive          fp32, contiguous (NCHW) tensors: what a plain training loop does
  channels_last  fp32, NHWC memory format (oneDNN's preferred layout)
  bf16           bf16 autocast + channels_last (only fast on CPUs with AVX512-BF16/AMX)
  trainer        what `resolve_precision("auto", device)` picks here: the trainer's real path
Each variant runs one warm-up step, then `--steps` timed steps; one JSON line per variant.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.devices import choose_device, cpu_supports_fast_bf16  # noqa: E402
from core.nets.config import GeneratorConfig  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.distributed import SINGLE_PROCESS  # noqa: E402
from core.training.setup import build_setup, resolve_precision  # noqa: E402
from core.training.steps import Precision, gan_step, mse_step  # noqa: E402
from core.training.timing import _timing_content_loss  # noqa: E402


def variants(device: torch.device) -> dict[str, Precision]:
    kind = device.type
    return {
        "naive": Precision(kind, None, channels_last=False),
        "channels_last": Precision(kind, None, channels_last=True),
        "bf16": Precision(kind, torch.bfloat16, channels_last=True),
        "trainer": resolve_precision("auto", device),
    }


def time_variant(config: TrainConfig, device: torch.device, precision: Precision, steps: int) -> float:
    setup = build_setup(config, device, precision, SINGLE_PROCESS, _timing_content_loss(config, device))
    g = torch.Generator().manual_seed(0)
    side = config.crop_size // config.scale
    lr = precision.prepare(torch.rand(config.batch_size, 3, side, side, generator=g).to(device))
    hr = precision.prepare(torch.rand(config.batch_size, 3, config.crop_size, config.crop_size, generator=g).to(device))

    def step() -> None:
        if config.phase == "gan":
            gan_step(setup.nets, lr, hr, precision, config.gan_losses())
        else:
            mse_step(setup.nets, lr, hr, precision)
        if device.type == "cuda":
            torch.cuda.synchronize()

    step()                                              # warm-up: oneDNN primitive creation, allocator
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=("mse", "gan"), default="mse")
    parser.add_argument("--content-loss", default="vgg54")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--variants", default="naive,channels_last,bf16,trainer")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--crop-size", type=int, default=96)
    parser.add_argument("--blocks", type=int, default=16, help="residual blocks (paper: 16)")
    parser.add_argument("--width", type=int, default=64, help="channels (paper: 64; bundled models: 32)")
    args = parser.parse_args()
    device = choose_device(args.device, "fp32").device
    config = TrainConfig(data_dir=Path("."), phase=args.phase, content_loss=args.content_loss,
                         generator=GeneratorConfig(num_blocks=args.blocks, width=args.width),
                         batch_size=args.batch_size, crop_size=args.crop_size)
    print(json.dumps({"device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "cpu_native_bf16": cpu_supports_fast_bf16(), "phase": args.phase,
                      "batch": args.batch_size, "crop": args.crop_size,
                      "blocks": args.blocks, "width": args.width}), flush=True)
    table = variants(device)
    for name in args.variants.split(","):
        seconds = time_variant(config, device, table[name], args.steps)
        print(json.dumps({"variant": name, "precision": table[name].name,
                          "channels_last": table[name].channels_last, "seconds_per_step": round(seconds, 3),
                          "steps_per_second": round(1 / seconds, 4)}), flush=True)


if __name__ == "__main__":
    main()
