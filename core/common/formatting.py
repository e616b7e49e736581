"""Numbers for people: durations and counts, written the same way by the CLI and the app."""

from __future__ import annotations

import math


def format_duration(seconds: float | None, *, rounded: bool = False) -> str:
    """A duration the way people say it: "45 s", "4 min 05 s", "12 min", "3 h 20 min".

    Seconds are kept below ten minutes, where they still matter to someone waiting; an
    unknown duration (None, NaN, infinite) is "--". `rounded` is for estimates, which are
    rounded as people round a wait: "a few seconds", "about 5 minutes" (never clock-like "19:33").
    """
    if rounded:
        return _rounded_words(seconds)
    if seconds is None or not math.isfinite(seconds):
        return "--"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600:
        minutes, secs = divmod(seconds, 60)
        return f"{minutes} min {secs:02d} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def format_count(value: float) -> str:
    """3 -> '3', 12_400 -> '12.4k', 3_100_000 -> '3.1M'."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.3g}" if value != int(value) else str(int(value))


def _rounded_words(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "an unknown time"
    if seconds < 10:
        return "a few seconds"
    if seconds < 55:
        return f"about {int(5 * round(seconds / 5))} seconds"
    minutes = round(seconds / 60)
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours, minutes = divmod(5 * round(minutes / 5), 60)
    hour_words = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"about {hour_words} {minutes} minutes" if minutes else f"about {hour_words}"
