"""Draw the README's crop comparison: bicubic, each model and the original, one row per crop.

    python tools/crop_comparison.py resources/models/srresnet-x4.safetensors \
        resources/models/srgan-x4.safetensors \
        --crop ../shared/data/bench/Set14/baboon.png 120 40 96 \
        --crop ../shared/data/bench/Set14/comic.png 60 100 96 -o docs/comparison.png
    python tools/crop_comparison.py resources/models/srresnet-x4.safetensors \
        resources/models/realworld-x4.safetensors --lr-jpeg 75 --crop ... -o docs/comparison_jpeg.png

Each input is the original shrunk 4x with the evaluation protocol's bicubic (core.imageio.bicubic.make_pair),
so every panel is what `srgan eval` scores. Crop box: X Y SIZE in original pixels.
For each crop it also prints every panel's detail: the RMS of the luma Laplacian as a fraction of the
original's (1.0 = as much fine detail as the original; a smooth result scores low).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.events import drain  # noqa: E402
from core.evaluation.metrics import rgb_to_y  # noqa: E402
from core.imageio.bicubic import bicubic_upscale, make_pair  # noqa: E402
from core.imageio.compress import jpeg_roundtrip  # noqa: E402
from core.imageio.files import load_rgb8  # noqa: E402
from core.inference.upscaler import InferenceOptions, Upscaler  # noqa: E402

PANEL = 256   # each crop is shown at this size (nearest), so pixels stay visible
LABEL = 28
GAP = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", type=Path, nargs="*")
    parser.add_argument("--crop", nargs=4, action="append", required=True, metavar=("IMAGE", "X", "Y", "SIZE"))
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--lr-jpeg", type=int, metavar="QUALITY",
                        help="save each LR crop source as a JPEG of this quality first, as `srgan eval --lr-jpeg`")
    args = parser.parse_args()

    upscalers = [Upscaler(path, InferenceOptions(precision="fp32")) for path in args.models]   # as `srgan eval`
    names = ["bicubic"] + [u.info.display_name for u in upscalers] + ["original"]
    sheet = Image.new("RGB", (PANEL * len(names) + GAP * (len(names) - 1),
                              LABEL + (PANEL + GAP) * len(args.crop)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(names):
        draw.text((column * (PANEL + GAP) + 6, 7), name, fill="black")
    for row, (image, x, y, size) in enumerate(args.crop):
        lr, hr = make_pair(load_rgb8(Path(image)), 4)
        if args.lr_jpeg:
            lr = jpeg_roundtrip(lr, args.lr_jpeg)
        box = (slice(int(y), int(y) + int(size)), slice(int(x), int(x) + int(size)))
        results = [bicubic_upscale(lr, 4)] + [drain(u.upscale(lr.astype(np.float32))) for u in upscalers] + [hr]
        detail = [laplacian_rms(r[box]) / laplacian_rms(hr[box]) for r in results]
        print(f"{Path(image).stem} {x},{y}: detail vs original " +
              ", ".join(f"{name} {d:.3f}" for name, d in zip(names, detail)))
        for column, result in enumerate(results):
            crop = Image.fromarray((np.clip(result[box], 0, 1) * 255 + 0.5).astype(np.uint8))
            sheet.paste(crop.resize((PANEL, PANEL), Image.Resampling.NEAREST),
                        (column * (PANEL + GAP), LABEL + row * (PANEL + GAP)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output)
    print(f"wrote {args.output}")
    return 0


def laplacian_rms(rgb: np.ndarray) -> float:
    """RMS of the 4-neighbour Laplacian of the luma: how much pixel-scale detail an image holds."""
    y = rgb_to_y(np.clip(rgb, 0, 1).astype(np.float64))
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.sqrt(np.mean(lap ** 2)))


if __name__ == "__main__":
    sys.exit(main())
