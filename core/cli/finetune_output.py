"""What `srgan finetune` prints about runs: the list of runs and a run's scoreboard."""

from __future__ import annotations

import sys

from core.finetune.runs import RunListing, RunRecord, Score
from core.training.selection import Selection


def print_runs(listing: RunListing) -> None:
    if not listing.runs and not listing.damaged:
        print("No fine-tune runs yet. Start one with: srgan finetune PHOTOS --minutes 15")
    for run in listing.runs:
        mode = "photo-realistic" if run.mode == "realistic" else "faithful"
        name = f"\u201c{run.title}\u201d " if run.title else ""
        print(f"{run.id}  {name}({mode}, {run.photo_folder}, started {run.created.replace('T', ' ')})")
        print(f"    {run.status_text()}{_gain_words(run)}")
    for folder, reason in listing.damaged:
        print(f"skipped {folder.name}: {reason}", file=sys.stderr)


def _gain_words(run: RunRecord) -> str:
    if not run.scoreboard or run.state == "finished":
        return ""
    choice = run.selection()
    return f" Best so far: {choice.reason}" if choice.improved else " No improvement over the base model yet."


def print_scoreboard(run: RunRecord, selection: Selection) -> None:
    """Every validation of the run next to the base model and bicubic; the chosen one is starred."""
    niqe = any(s.niqe is not None for s in (*run.scoreboard, run.base, run.bicubic) if s is not None)
    header = f"{'':9}{'PSNR':>8}{'SSIM':>9}" + (f"{'NIQE':>8}" if niqe else "") + f"{'vs base':>10}{'vs bicubic':>12}"
    print(f"Scores on the held-out photos ({'lower NIQE is more natural; ' if niqe else ''}* = kept):")
    print(header)
    chosen = selection.best.step if selection.best is not None and selection.improved else None
    for label, score in (("base", run.base), ("bicubic", run.bicubic)):
        if score is not None:
            print(_row(label, score, niqe, None, None, base_mark=label == "base" and chosen is None))
    for score in run.scoreboard:
        print(_row(f"step {score.step:,}", score, niqe, run.base, run.bicubic, score.step == chosen))
    print(selection.reason)


def _row(label: str, score: Score, niqe: bool, base: Score | None, bicubic: Score | None,
         chosen: bool = False, base_mark: bool = False) -> str:
    text = f"{label:<9}{score.psnr:8.2f}{_optional(score.ssim, 9, 4)}"
    if niqe:
        text += _optional(score.niqe, 8, 2)
    text += f"{_difference(score, base):>10}{_difference(score, bicubic):>12}"
    return text + ("  *" if chosen or base_mark else "")


def _optional(value: float | None, width: int, digits: int) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else " " * width


def _difference(score: Score, other: Score | None) -> str:
    return f"{score.psnr - other.psnr:+.2f} dB" if other is not None else ""
