"""Measure the grid and the colour speckle a model draws over a folder of images.

The grid: the lattice score (`core.evaluation.lattice`) of each 4x result's luma. The speckle: the RMS
of the result's fine chroma detail (Cb and Cr minus their 2 px Gaussian blur, 8-bit levels), beside the
original's: a GAN that invents colour noise raises it above the original's (on Set14's grey bridge
the original has 0, the Faithful model 0.4).

    python tools/grid_score.py resources/models/srresnet-x4.safetensors runs/gan/model.safetensors \
        --images ../shared/data/bench/Set14

Each image is shrunk 4x with the evaluation protocol's bicubic (`core.imageio.bicubic.make_pair`), as
`srgan eval` does, upscaled by each model in fp32, and the luma of the result scored; the originals are
scored too. About 1 means no periodic pattern (Set14's originals: 1.07); the bundled Faithful model
scores about 4 and a GAN run with a visible grid 30 or more.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.common.events import drain  # noqa: E402
from core.evaluation.lattice import lattice_score  # noqa: E402
from core.imageio.bicubic import make_pair  # noqa: E402
from core.imageio.color import rgb_to_y  # noqa: E402
from core.imageio.files import load_rgb8  # noqa: E402
from core.inference.upscaler import InferenceOptions, Upscaler  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--images", type=Path, required=True, help="folder of original images (PNG)")
    args = parser.parse_args()
    pairs = [make_pair(load_rgb8(path), 4) for path in sorted(args.images.glob("*.png"))]
    if not pairs:
        parser.error(f"no PNG images in {args.images}")
    report("original", [hr for _, hr in pairs])
    for path in args.models:
        upscaler = Upscaler(path, InferenceOptions(precision="fp32"))
        report(upscaler.info.display_name, [drain(upscaler.upscale(lr.astype(np.float32))) for lr, _ in pairs])
    return 0


def report(name: str, results: list[np.ndarray]) -> None:
    lattice = [lattice_score(rgb_to_y(rgb)) for rgb in results]
    speckle = [chroma_detail(rgb) for rgb in results]
    print(f"{name:32s} lattice score mean {np.mean(lattice):6.2f} max {np.max(lattice):6.2f}   "
          f"chroma detail mean {np.mean(speckle):5.2f} max {np.max(speckle):5.2f}")


def chroma_detail(rgb: np.ndarray) -> float:
    """RMS of Cb and Cr minus their 2 px Gaussian blur, in 8-bit levels."""
    image = Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)).convert("YCbCr")
    planes = [image.getchannel(c) for c in ("Cb", "Cr")]
    fine = [np.asarray(p, np.float64) - np.asarray(p.filter(ImageFilter.GaussianBlur(2)), np.float64) for p in planes]
    return float(np.sqrt(np.mean([np.mean(f ** 2) for f in fine])))


if __name__ == "__main__":
    sys.exit(main())
