"""A run's loss history, kept small enough to store in its record and redraw its charts later.

Every point is the mean of the losses over the `stride` steps ending at it (so a point at step
s covers steps s - stride + 1 ... s). When the history would pass MAX_POINTS the stride doubles
and each pair of neighbouring points becomes their mean: a run of any length keeps between
MAX_POINTS / 2 and MAX_POINTS evenly spaced points, and the same steps always give the same points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_POINTS = 400

Point = tuple[int, dict[str, float]]


@dataclass(frozen=True)
class LossHistory:
    stride: int = 1
    points: tuple[Point, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"stride": self.stride, "points": [[step, losses] for step, losses in self.points]}

    @classmethod
    def from_json(cls, data: Any) -> LossHistory:
        """Raises ValueError for anything but the shape `to_json` writes."""
        if not isinstance(data, dict) or not _is_int(data.get("stride")) or data["stride"] < 1:
            raise ValueError("the loss history is damaged")
        points = []
        for item in data.get("points") or []:
            if not (isinstance(item, list) and len(item) == 2 and _is_int(item[0]) and isinstance(item[1], dict)):
                raise ValueError("the loss history is damaged")
            losses = {str(k): float(v) for k, v in item[1].items() if _is_number(v)}
            points.append((int(item[0]), losses))
        return cls(int(data["stride"]), tuple(points))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class LossRecorder:
    """Builds a `LossHistory` from every step's losses (the runner feeds it StepDone events)."""

    def __init__(self, history: LossHistory | None = None) -> None:
        history = history or LossHistory()
        self.stride, self.points = history.stride, list(history.points)
        self._sums: dict[str, float] = {}
        self._count = 0

    def add(self, step: int, losses: dict[str, float]) -> None:
        for name, value in losses.items():
            if _is_number(value):
                self._sums[name] = self._sums.get(name, 0.0) + float(value)
        self._count += 1
        if step % self.stride:
            return
        self.points.append((step, {k: v / self._count for k, v in self._sums.items()}))
        self._sums, self._count = {}, 0
        if len(self.points) > MAX_POINTS:
            self._coarsen()

    def truncate_after(self, step: int) -> None:
        """Forget what came after `step` (a resumed or rolled-back run repeats those steps)."""
        self.points = [p for p in self.points if p[0] <= step]
        self._sums, self._count = {}, 0

    def history(self) -> LossHistory:
        return LossHistory(self.stride, tuple(self.points))

    def _coarsen(self) -> None:
        stride = self.stride * 2
        by_step = dict(self.points)
        merged = []
        for step, losses in self.points:
            if step % stride:
                continue
            earlier = by_step.get(step - self.stride)
            if earlier is not None:
                losses = {k: (v + earlier[k]) / 2 if k in earlier else v for k, v in losses.items()}
            merged.append((step, losses))
        self.stride, self.points = stride, merged
