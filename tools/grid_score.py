"""Measure the grid a model draws: the lattice score (`core.evaluation.lattice`) of its 4x results.

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
    report("original", [lattice_score(rgb_to_y(hr)) for _, hr in pairs])
    for path in args.models:
        upscaler = Upscaler(path, InferenceOptions(precision="fp32"))
        report(upscaler.info.display_name,
               [lattice_score(rgb_to_y(drain(upscaler.upscale(lr.astype(np.float32))))) for lr, _ in pairs])
    return 0


def report(name: str, scores: list[float]) -> None:
    print(f"{name:40s} lattice score mean {np.mean(scores):6.2f}  max {np.max(scores):6.2f}")


if __name__ == "__main__":
    sys.exit(main())
