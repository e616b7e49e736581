"""Does a fine-tune at the wizard's defaults help on a domain the base model never saw, in its budget?

    .venv/bin/python benchmarks/bench_finetune.py                       # text and line art, 15 min each
    .venv/bin/python benchmarks/bench_finetune.py --domains text --minutes 5 --device cuda

For each domain (`benchmarks/domains.py`): 50 images to train on and 10 *new* ones (another seed),
then `srgan finetune FOLDER --minutes M` exactly as a user runs it (its own recipe, hold-out, time
plan and never-worse rule; a private data folder, so your library is untouched), timed from the
command's start to its end. The base and the fine-tuned model are then scored with `srgan eval`
on the new images: the gain a user sees on the next image of that kind. One JSON line per domain;
issue 15 asks for >= +0.5 dB within 15 CPU minutes, with the run's time within 20% of its plan.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.domains import DOMAINS, make_domain  # noqa: E402
from core.common.paths import DATA_DIR_ENV  # noqa: E402

SRGAN = [sys.executable, "-m", "core.cli.main"]


def score(model: str, folder: Path, env: dict[str, str]) -> dict:
    out = subprocess.run([*SRGAN, "eval", model, str(folder), "--json"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["mean"]


def finetune(folder: Path, base: str, minutes: float, name: str, device: str, env: dict[str, str]) -> tuple[int, float]:
    """Run `srgan finetune` as a user would; (exit code, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run([*SRGAN, "finetune", str(folder), "--base", base, "--minutes", str(minutes),
                           "--export", name, "--device", device], env=env)
    return done.returncode, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="+", choices=sorted(DOMAINS), default=sorted(DOMAINS))
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--base", default="srresnet-x4")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--keep", type=Path, help="keep the folders and the data folder here (default: a temp dir)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="srgan-bench-finetune-"))
    env = {**os.environ, DATA_DIR_ENV: str(root / "data"),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for domain in args.domains:
        train, new = root / f"{domain}-train", root / f"{domain}-new"
        make_domain(domain, train, 50, seed=1)
        make_domain(domain, new, 10, seed=2)
        code, seconds = finetune(train, args.base, args.minutes, f"bench {domain}", args.device, env)
        base = score(args.base, new, env)
        tuned = score(f"bench-{domain}", new, env) if code == 0 else base
        print(json.dumps({"domain": domain, "budget_s": round(args.minutes * 60), "wall_s": round(seconds),
                          "wall_vs_budget": round(seconds / (args.minutes * 60), 3), "exit": code,
                          "base_psnr": base["psnr"], "tuned_psnr": tuned["psnr"], "bicubic_psnr": base["bicubic_psnr"],
                          "gain_db": round(tuned["psnr"] - base["psnr"], 2),
                          "base_ssim": base["ssim"], "tuned_ssim": tuned["ssim"]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
