"""Draw the README's crop comparison: bicubic, each model, and the original, on one benchmark crop.

    python tools/crop_comparison.py ../shared/data/bench/Set14/baboon.png 120 40 96 \
        resources/models/srresnet-x4.safetensors -o docs/comparison.png

The input is the original shrunk 4x with the evaluation protocol's bicubic (core.degrade.make_pair),
so every panel is what `srgan eval` scores. Crop box: X Y SIZE in original pixels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data import load_rgb8  # noqa: E402
from core.degrade import bicubic_upscale, make_pair  # noqa: E402
from core.events import drain  # noqa: E402
from core.inference import Upscaler  # noqa: E402

PANEL = 256   # each crop is shown at this size (nearest), so pixels stay visible
LABEL = 28


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", type=Path)
    parser.add_argument("x", type=int)
    parser.add_argument("y", type=int)
    parser.add_argument("size", type=int)
    parser.add_argument("models", type=Path, nargs="*")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()

    lr, hr = make_pair(load_rgb8(args.image), 4)
    panels = [("bicubic", bicubic_upscale(lr, 4))]
    for path in args.models:
        upscaler = Upscaler(path)
        panels.append((upscaler.info.display_name, drain(upscaler.upscale(lr.astype(np.float32)))))
    panels.append(("original", hr))
    box = (slice(args.y, args.y + args.size), slice(args.x, args.x + args.size))
    sheet = Image.new("RGB", (PANEL * len(panels), PANEL + LABEL), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (name, image) in enumerate(panels):
        crop = Image.fromarray((np.clip(image[box], 0, 1) * 255 + 0.5).astype(np.uint8))
        sheet.paste(crop.resize((PANEL, PANEL), Image.Resampling.NEAREST), (i * PANEL, LABEL))
        draw.text((i * PANEL + 6, 7), name, fill="black")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
