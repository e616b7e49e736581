"""Spotting a GAN that has gone wrong, in words a user can act on.

Two failures are told apart because they are handled differently (see `core.training.trainer`):
  * non-finite losses: the weights are already broken; the run stops and keeps the last good
    checkpoint (rolling back would replay the same data and numbers into the same NaN);
  * discriminator collapse: D(fake) stuck near 0 (D wins outright, G learns nothing from it) or
    near 1 (D is fooled by anything) for a long window; the run rolls back to the last good
    checkpoint and goes on at half the learning rate, a few times at most.
"""

from __future__ import annotations

import math


def non_finite_reason(losses: dict[str, float]) -> str | None:
    bad = [name for name, value in losses.items() if not math.isfinite(value)]
    if not bad:
        return None
    return (f"the training loss became infinite or not-a-number ({', '.join(bad)}): the learning "
            "rate may be too high for this data, or the precision too low")


class CollapseMonitor:
    """Counts consecutive steps with D(fake) outside [threshold, 1 - threshold]."""

    def __init__(self, window: int, threshold: float) -> None:
        self.window = window
        self.threshold = threshold
        self.streak = 0
        self._low = True

    def reset(self) -> None:
        self.streak = 0

    def update(self, d_fake: float | None) -> str | None:
        """Feed one step's mean D(fake); returns a plain-words reason once collapse is certain."""
        if d_fake is None:
            return None
        low, high = d_fake < self.threshold, d_fake > 1.0 - self.threshold
        if not (low or high) or (self.streak and low != self._low):
            self.streak = 0
        if low or high:
            self._low = low
            self.streak += 1
        if self.streak < self.window:
            return None
        if self._low:
            return (f"the discriminator has won outright for {self.streak} steps (it scores every "
                    "generated image as fake), so the generator no longer learns from it")
        return (f"the discriminator has been fooled by everything for {self.streak} steps (it scores "
                "every generated image as real), so it no longer teaches the generator anything")

    @property
    def healthy(self) -> bool:
        """Whether now is a good moment to save a checkpoint worth rolling back to."""
        return self.streak < max(1, self.window // 2)
