"""Measure and draw perception-distortion curves: PSNR against NIQE.

    python tools/detail_curve.py ../shared/data/bench/Set14 [--out docs/detail_curve.png]
    python tools/detail_curve.py --run runs/gan/last.ckpt --out docs/gan_run_curve.png

The first form scores the detail slider, per blend weight. The second reads a training run's
checks (every validation's PSNR and NIQE, kept in its checkpoints and exported model files) and
draws the run's own curve, step by step.

Each weight blends the bundled Faithful model (0) with the Photo-realistic one (1) exactly as
`srgan upscale --detail W` does, and scores it with `srgan eval`'s protocol (fp32). Prints a
Markdown table for the README and draws PSNR against NIQE with Pillow (no plotting library).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from core.common.events import drain  # noqa: E402
from core.evaluation.evaluate import evaluate  # noqa: E402
from core.inference.upscale import UpscaleOptions, open_upscaler  # noqa: E402
from core.inference.upscaler import InferenceOptions  # noqa: E402
from core.models.model_file import read_model_info  # noqa: E402
from core.training.checkpoint import is_checkpoint_file, load_checkpoint  # noqa: E402

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
SIZE, MARGIN = (700, 420), 70


def measure(folder: Path, faithful: str, realistic: str) -> list[tuple[str, float, float]]:
    points = []
    for weight in WEIGHTS:
        options = UpscaleOptions(model=faithful, detail=weight, detail_with=realistic,
                                 inference=InferenceOptions(precision="fp32"))
        report = drain(evaluate(open_upscaler(options), folder))
        points.append((f"detail {weight:.2f}", report.mean_psnr, report.mean_niqe))
        print(f"| {weight:.2f} | {report.mean_psnr:.2f} | {report.mean_ssim:.4f} | {report.mean_niqe:.2f} |",
              flush=True)
    return points


def run_history(path: Path) -> list[tuple[str, float, float]]:
    """A run's checks that have NIQE (gan runs, or --best-by niqe), from a checkpoint or a model file."""
    history = (load_checkpoint(path).get("validations") if is_checkpoint_file(path)
               else read_model_info(path).metrics.get("validation_history")) or []
    points = [(f"step {int(h['step'])}", float(h["psnr"]), float(h["niqe"])) for h in history if "niqe" in h]
    print("| step | PSNR dB | SSIM | NIQE |\n|---|---|---|---|")
    for h in history:
        print(f"| {int(h['step'])} | {h['psnr']:.2f} | {h['ssim']:.4f} | {h.get('niqe', float('nan')):.2f} |")
    return points


def draw(points: list[tuple[str, float, float]], title: str, out: Path) -> None:
    image = Image.new("RGB", SIZE, "white")
    pen = ImageDraw.Draw(image)
    pen.font = ImageFont.load_default(size=14)
    psnrs, niqes = [p[1] for p in points], [p[2] for p in points]
    x_lo, x_hi = min(niqes) - 0.2, max(niqes) + 0.2
    y_lo, y_hi = min(psnrs) - 0.2, max(psnrs) + 0.2
    width, height = SIZE[0] - 2 * MARGIN, SIZE[1] - 2 * MARGIN

    def at(niqe: float, psnr: float) -> tuple[float, float]:
        return (MARGIN + (niqe - x_lo) / (x_hi - x_lo) * width, MARGIN + (y_hi - psnr) / (y_hi - y_lo) * height)

    pen.rectangle([MARGIN, MARGIN, MARGIN + width, MARGIN + height], outline="black")
    pen.line([at(n, p) for _, p, n in points], fill=(40, 90, 200), width=3)
    every = max(1, len(points) // 8)              # label about eight points, always the first and last
    for i, (label, psnr, niqe) in enumerate(points):
        x, y = at(niqe, psnr)
        pen.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(200, 60, 40))
        if i % every == 0 or i == len(points) - 1:
            pen.text((x + 8, y - 14), label, fill="black")
    pen.text((MARGIN, 20), title, fill="black")
    pen.text((MARGIN + width // 2 - 110, SIZE[1] - 35), "NIQE (lower = more natural) ->", fill="black")
    pen.text((8, MARGIN - 20), "PSNR dB (higher = more faithful)", fill="black")
    for value in (y_lo + 0.2, y_hi - 0.2):
        pen.text((8, at(x_lo, value)[1] - 6), f"{value:.2f}", fill="black")
    for value in (x_lo + 0.2, x_hi - 0.2):
        pen.text((at(value, y_lo)[0] - 12, MARGIN + height + 6), f"{value:.2f}", fill="black")
    image.save(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", help="HR images to score the detail slider on")
    parser.add_argument("--run", type=Path, help="a training checkpoint or model file: draw its checks instead")
    parser.add_argument("--faithful", default="srresnet-x4")
    parser.add_argument("--realistic", default="srgan-x4")
    parser.add_argument("--out", type=Path, default=Path("docs/detail_curve.png"))
    args = parser.parse_args()
    if args.run is not None:
        points = run_history(args.run)
        if len(points) < 2:
            parser.error(f"{args.run} holds fewer than two checks with NIQE")
        draw(points, f"Training checks of {args.run}: PSNR and NIQE on its held-out photos", args.out)
        print(f"wrote {args.out}")
        return 0
    if args.folder is None:
        parser.error("give a folder of HR images, or --run CHECKPOINT")
    print("| detail | PSNR dB | SSIM | NIQE |\n|---|---|---|---|")
    points = measure(args.folder, args.faithful, args.realistic)
    draw(points, f"Detail slider on {args.folder.name}: {args.faithful} (0) to {args.realistic} (1)", args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
