"""A text progress bar for the command line: percentage, throughput and ETA.

Generic on purpose (batches count pixels, the trainer counts steps):

    bar = ProgressBar(total=1000, label="train", unit="step")
    bar.update(done, extra="loss 0.012")
    bar.close()

On a terminal it redraws one line in place at most ~10 times a second; when the output is
a file or a pipe it writes a plain line at most every `log_every` seconds, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from core.common.formatting import format_count, format_duration

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1


class ProgressBar:
    def __init__(self, total: float, label: str = "", unit: str = "", stream: TextIO | None = None,
                 log_every: float = 5.0, initial: float = 0.0) -> None:
        """`initial`: work already done before this bar started (a resumed run); rates count only the rest."""
        self.total = max(float(total), 0.0)
        self._initial = float(initial)
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_every = log_every
        self._rate: float | None = None
        self._start = time.monotonic()
        self._last_draw = float("-inf")
        self._done = self._initial
        self._extra = ""
        self._width = 0
        self._closed = False

    def update(self, done: float, extra: str = "", total: float | None = None, rate: float | None = None,
               force: bool = False) -> None:
        """`rate` (units per second) overrides done/elapsed, e.g. when pauses should not count."""
        if total is not None:
            self.total = max(float(total), 0.0)
        self._done, self._extra, self._rate = done, extra, rate
        now = time.monotonic()
        interval = REDRAW_SECONDS if self.interactive else self.log_every
        # In a log, the finished state is close()'s line alone; a second "100%" line only repeats it.
        finished = self.total > 0 and self._done >= self.total and not self.interactive
        if force or (now - self._last_draw >= interval and not finished):
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The bar's current text, e.g. 'upscale [#####-----] 50%  1.2M px/s  ETA 00:41  3/6 files'."""
        elapsed = (now or time.monotonic()) - self._start
        fraction = min(self._done / self.total, 1.0) if self.total else 1.0
        filled = int(fraction * BAR_WIDTH)
        worked = self._done - self._initial
        rate = self._rate if self._rate is not None else (worked / elapsed if elapsed > 0 and worked > 0 else None)
        eta = (self.total - self._done) / rate if rate else None
        parts = [f"{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction * 100:3.0f}%"]
        if rate:
            parts.append(f"{format_count(rate)} {self.unit}/s".replace(" /s", "/s"))
        parts.append(f"ETA {format_duration(eta)}" if fraction < 1 else f"in {format_duration(elapsed)}")
        if self._extra:
            parts.append(self._extra)
        return "  ".join(parts).strip()

    def _draw(self, now: float) -> None:
        self._last_draw = now
        text = self.line(now)
        if self.interactive:
            padding = " " * max(self._width - len(text), 0)
            self.stream.write("\r" + text + padding)
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """Print a line above the bar (a skipped or failed file) without garbling it."""
        if self.interactive and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
            self._last_draw = float("-inf")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self._closed:
            return
        self._closed = True
        self._rate = None      # the last momentary rate can be far off; the summary is the average
        self._draw(time.monotonic())
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
