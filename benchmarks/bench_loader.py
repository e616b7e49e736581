"""Does data loading stay off the training step's critical path with the real-world degradations on?

    python benchmarks/bench_loader.py ../shared/data/train
    python benchmarks/bench_loader.py ../shared/data/train --device cuda

Times, in this run and on this machine:
  step      one training step of the Real-world model's run (24 blocks x 32, batch 16, 128 px crops, mse
            phase, the trainer's auto precision) as the fine-tune planner times it (random data, plus
            cutting clean crops): the work a batch of degraded crops has to hide behind;
  clean     one batch of crops cut from the photos as the loader does, LR by bicubic (the baseline);
  degraded  the same batch through the Real-world model's chain (`--degrade-plain 0.9`, odds 0.3 0.3 0.3);
  full      the same batch through the full chain at its default strengths (`--degrade real-world`).
The loader share is degraded / workers / step (and full / workers / step), with the trainer's default
worker count here (`core.training.run_data.loader_workers`): under about 0.1 the step never waits for data. On a CPU the
workers run on the cores the step would use, so the share there is of CPU time, not a wait.
One JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.devices import choose_device  # noqa: E402
from core.imageio.files import list_images  # noqa: E402
from core.nets.config import GeneratorConfig  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.data import CropDataset  # noqa: E402
from core.training.degradations import DegradationConfig  # noqa: E402
from core.training.run_data import loader_workers, usable_cpus  # noqa: E402
from core.training.timing import measure_step_time  # noqa: E402

# The bundled Real-world model's last run (README, "Which model when").
REAL_WORLD = DegradationConfig(blur_prob=0.3, blur_sigma=(0.2, 0.6), noise_prob=0.3, noise_sigma=(1.0, 6.0),
                               jpeg_quality=(40, 95), second_order=0.3, plain_prob=0.9)


def batch_seconds(dataset: CropDataset, batch_size: int, batches: int) -> float:
    start = time.perf_counter()
    for b in range(batches):
        torch.utils.data.default_collate([dataset[(0, b * batch_size + i)] for i in range(batch_size)])
    return (time.perf_counter() - start) / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path, help="a folder of training photos")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--photos-used", type=int, default=24, help="photos decoded for the crops (default 24)")
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)        # a loader worker runs its crops on one thread
    paths = list_images(args.photos)[:args.photos_used]
    config = TrainConfig(data_dir=args.photos, generator=GeneratorConfig(num_blocks=24, width=32), batch_size=16,
                         crop_size=128, photo_scale=0.5, min_crop_detail=6, device=args.device)
    clean = CropDataset(paths, config.crop_size, photo_scale=config.photo_scale, min_detail=config.min_crop_detail)
    degraded = CropDataset(paths, config.crop_size, photo_scale=config.photo_scale,
                           min_detail=config.min_crop_detail, degradation=REAL_WORLD)
    full = CropDataset(paths, config.crop_size, photo_scale=config.photo_scale, min_detail=config.min_crop_detail,
                       degradation=DegradationConfig())
    clean_s = batch_seconds(clean, config.batch_size, args.batches)
    degraded_s = batch_seconds(degraded, config.batch_size, args.batches)
    full_s = batch_seconds(full, config.batch_size, args.batches)
    torch.set_num_threads(usable_cpus())
    step_s = measure_step_time(replace(config, content_loss="mse"), steps=args.steps)
    workers = loader_workers(degraded.fully_cached, True, usable_cpus())
    print(json.dumps({
        "device": str(choose_device(args.device, "fp32").device),
        "step_s": round(step_s, 4), "clean_batch_s": round(clean_s, 4), "degraded_batch_s": round(degraded_s, 4),
        "full_batch_s": round(full_s, 4), "degraded_vs_clean": round(degraded_s / clean_s, 2),
        "full_vs_clean": round(full_s / clean_s, 2), "workers": workers,
        "loader_share": round(degraded_s / workers / step_s, 3),
        "full_loader_share": round(full_s / workers / step_s, 3),
    }))


if __name__ == "__main__":
    main()
