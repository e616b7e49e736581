"""Which validated weights are "best": the one rule the trainer's `best.ckpt`, the fine-tune's
export decision and the choice of a bundled checkpoint all follow.

The starting point is a candidate too. A fine-tune whose checkpoints never beat the base model
on the held-out photos has produced nothing worth keeping, and exporting its "best" would hand
the user a copy of the base under a new name.

Rules (`SelectionRule.goal`):
  * "psnr" (faithful): the highest held-out PSNR; a checkpoint must beat the base by more than
    `MIN_PSNR_GAIN_DB` to count as better than it (smaller gains are noise on a few photos).
  * "niqe" (photo-realistic): the lowest NIQE among validations whose PSNR stays within
    `PSNR_FLOOR_DB` of the base's (texture may cost a little fidelity, not the picture); it must
    be lower than the base's NIQE. Where NIQE could not be measured (held-out photos smaller
    than one 96 px NIQE block) the latest validation within the PSNR floor is taken instead:
    naturalness cannot be judged, fidelity still bounds the damage.
  * "latest": the latest validation (`srgan train`'s gan phase without NIQE, as before).

`beats` is the rule for one new validation against the incumbent (the trainer applies it as
validations arrive); `pick_best` folds it over a whole scoreboard, so both always agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

GOALS = ("psnr", "niqe", "latest")
MIN_PSNR_GAIN_DB = 0.01
PSNR_FLOOR_DB = 0.5


@dataclass(frozen=True)
class Candidate:
    """One set of weights with its held-out scores; step 0 with `is_base` is the starting model."""

    step: int
    psnr: float
    ssim: float | None = None
    niqe: float | None = None           # None: not measured (or not measurable)
    is_base: bool = False


@dataclass(frozen=True)
class SelectionRule:
    goal: str = "psnr"
    min_psnr_gain_db: float = MIN_PSNR_GAIN_DB
    psnr_floor_db: float = PSNR_FLOOR_DB

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ValueError(f"goal must be one of {GOALS}, got {self.goal!r}")

    @property
    def needs_niqe(self) -> bool:
        return self.goal == "niqe"


@dataclass(frozen=True)
class Selection:
    """`best` is what to keep (the base itself when nothing beat it); `improved` says whether
    it is anything but the starting point; `reason` is one plain sentence for the user."""

    best: Candidate | None
    improved: bool
    reason: str


def beats(new: Candidate, incumbent: Candidate | None, base: Candidate | None, rule: SelectionRule) -> bool:
    """Whether `new` replaces `incumbent` (None: nothing kept yet) under `rule`."""
    if incumbent is None or rule.goal == "latest":
        return True
    if not math.isfinite(new.psnr):
        return False
    if rule.goal == "psnr":
        margin = rule.min_psnr_gain_db if incumbent.is_base else 0.0
        return new.psnr > incumbent.psnr + margin
    if base is not None and new.psnr < base.psnr - rule.psnr_floor_db:
        return False
    new_niqe, old_niqe = _finite(new.niqe), _finite(incumbent.niqe)
    if new_niqe is None:
        return old_niqe is None         # no NIQE anywhere: the latest within the floor
    return old_niqe is None or new_niqe < old_niqe


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def pick_best(base: Candidate | None, validations: Sequence[Candidate], rule: SelectionRule) -> Selection:
    """The best of the base and the validations, in step order, under `rule`.

    Without a base (training from scratch) the first validation is the starting point, so a run
    whose later validations never beat its step-0 weights has not improved either.
    """
    incumbent = base
    for candidate in sorted(validations, key=lambda c: c.step):
        if candidate.step == 0:
            # The starting weights themselves: never a gain over the base, even when their NIQE, measured
            # on the training device's precision, comes out a hair under the base's.
            if incumbent is None:
                incumbent = Candidate(0, candidate.psnr, candidate.ssim, candidate.niqe, is_base=True)
        elif beats(candidate, incumbent, base, rule):
            incumbent = candidate
    if incumbent is None:
        return Selection(None, False, "No validation has been run yet.")
    if incumbent.is_base:
        return Selection(incumbent, False, _no_gain_reason(rule))
    return Selection(incumbent, True, _gain_reason(incumbent, base, rule))


def _no_gain_reason(rule: SelectionRule) -> str:
    if rule.goal == "niqe":
        return ("No checkpoint looked more natural (lower NIQE) than the base model without losing more "
                f"than {rule.psnr_floor_db:g} dB of PSNR on the held-out photos.")
    return (f"No checkpoint beat the base model by more than {rule.min_psnr_gain_db:g} dB PSNR on the "
            "held-out photos.")


def _gain_reason(best: Candidate, base: Candidate | None, rule: SelectionRule) -> str:
    if base is None:
        return f"Step {best.step:,} scored best on the held-out photos ({best.psnr:.2f} dB PSNR)."
    if rule.goal == "niqe" and best.niqe is not None and base.niqe is not None:
        return (f"Step {best.step:,} looks more natural than the base model (NIQE {best.niqe:.2f} against "
                f"{base.niqe:.2f}) at {best.psnr - base.psnr:+.2f} dB PSNR.")
    return f"Step {best.step:,} is {best.psnr - base.psnr:+.2f} dB PSNR against the base model."
