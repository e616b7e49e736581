"""Print the README's bundled-model table from the scores stored in the bundled model files.

    python tools/model_table.py

Rows come from each model's metrics (written by tools/bundle_model.py) and provenance, so the table
always says what `srgan eval` measured; tests/core/models/test_bundled_models.py checks the README still does.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.models.library import list_models  # noqa: E402

HEADER = ["| model | Set5 PSNR / SSIM | Set14 PSNR / SSIM | Set14 NIQE | training |", "|---|---|---|---|---|"]
PAPER = ["| paper: bicubic | 28.43 | 25.99 | | - |",
         "| paper: SRResNet (MSE) | 32.05 | 28.49 | | 10^6 steps on 350k ImageNet images, GPU |",
         "| paper: SRGAN (VGG54) | 29.40 | 26.02 | | + 2x10^5 GAN steps, GPU |"]


def main() -> int:
    entries, _problems = list_models()
    bundled = [e for e in entries if e.bundled]
    first = bundled[0].info.metrics
    rows = HEADER + [f"| original images | - | - | {first['Set14']['original_niqe']:.2f} | - |",
                     f"| bicubic (measured, `srgan eval bicubic`) | {_scores(first, 'bicubic_')} - |"]
    for entry in bundled:
        info, p = entry.info, entry.info.provenance
        arch = info.arch_config
        rows.append(f"| **{info.display_name}** (`{info.name}`, {arch.num_blocks} blocks x {arch.width} ch) | "
                    f"{_scores(info.metrics)} {_steps(p)} steps, {p['hours']} h on {p['device']} |")
    print("\n".join(rows + PAPER))
    return 0


def _steps(provenance: dict) -> str:
    """'mse 11,000 + gan 900': the steps of every run behind the model, by phase, oldest first."""
    runs = provenance.get("runs") or [{"phase": provenance["phase"], "steps": provenance["steps"]}]
    by_phase: dict[str, int] = {}
    for run in reversed(runs):
        by_phase[run["phase"]] = by_phase.get(run["phase"], 0) + run["steps"]
    return " + ".join(f"{phase} {steps:,}" for phase, steps in by_phase.items())


def _scores(metrics: dict, prefix: str = "") -> str:
    """'PSNR / SSIM |' for Set5 and Set14, then Set14's NIQE (lower = more natural)."""
    return " ".join(f"{metrics[b][prefix + 'psnr']:.2f} / {metrics[b][prefix + 'ssim']:.4f} |"
                    for b in ("Set5", "Set14")) + f" {metrics['Set14'][prefix + 'niqe']:.2f} |"


if __name__ == "__main__":
    sys.exit(main())
