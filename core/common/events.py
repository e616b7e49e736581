"""The plain-Python interface for long work: typed events plus a cooperative control.

Long operations (upscaling, batches, training) are generators that yield small frozen
dataclasses and call `control.checkpoint()` between them. The CLI prints the events as
progress bars; the GUI's single worker adapter turns them into Qt signals. Pausing blocks
inside `checkpoint()`; cancelling makes it raise `Cancelled`, so work stops at a clean
boundary and cleans up in its own `finally`/`except` blocks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

E = TypeVar("E")
R = TypeVar("R")


class Cancelled(Exception):
    """Raised by `Control.checkpoint()` once the user has asked to stop."""


class Control:
    """Cancel and pause flags shared between the worker and whoever drives it (thread-safe)."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused worker so it can notice the cancel

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> None:
        """Block while paused; raise `Cancelled` if cancel was requested."""
        self._running.wait()
        if self._cancel.is_set():
            raise Cancelled()


NEVER_CANCELLED = Control()


class SupportsCheckpoint(Protocol):
    """What long work needs from its control: `checkpoint()` between steps. `Control` is one;
    the batch runner hands the upscale a wrapper that also leaves pauses out of its clock."""

    def checkpoint(self) -> None: ...


@dataclass(frozen=True)
class Event:
    """Base class of every progress event."""


@dataclass(frozen=True)
class DeviceChosen(Event):
    device: str          # torch device string actually used, e.g. "cuda:0", "cpu"
    description: str     # human words, e.g. "NVIDIA H100 (CUDA)" or "CPU (8 threads)"
    precision: str       # "fp32", "fp16" or "bf16"
    notice: str = ""     # e.g. "CUDA GPU present but this torch build is CPU-only"


@dataclass(frozen=True)
class TileDone(Event):
    done: int
    total: int
    tile: int = 0        # tile edge in input pixels (it shrinks after an out-of-memory retry)


@dataclass(frozen=True)
class ImageStarted(Event):
    index: int           # 0-based position in the run
    total: int
    source: Path


@dataclass(frozen=True)
class ImageDone(Event):
    index: int
    total: int
    source: Path | None
    output: Path | None  # None when the result stays in memory
    seconds: float
    model: str = ""      # the library name of the model that made it, where a batch reports it
    result: Any = field(default=None, repr=False, compare=False)  # in-memory result, if any


@dataclass(frozen=True)
class ImageSkipped(Event):
    source: Path
    reason: str


@dataclass(frozen=True)
class ExtraFramesIgnored(Event):
    """The source is an animation or a multi-page file; only its first frame is upscaled."""

    source: Path
    frames: int
    unit: str = "frames"                      # "frames", or "pages" of a TIFF

    @property
    def message(self) -> str:
        return f"{self.source.name} has {self.frames} {self.unit}; only the first is upscaled"


@dataclass(frozen=True)
class ImageFailed(Event):
    source: Path
    reason: str          # one line, meant for the user


@dataclass(frozen=True)
class Finished(Event):
    done: int = 0
    skipped: tuple[tuple[Path, str], ...] = ()
    failed: tuple[tuple[Path, str], ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Failed(Event):
    message: str         # one line, meant for the user


def drain(events: Generator[E, Any, R], on_event: Callable[[E], object] | None = None) -> R:
    """Run an event generator to its end, passing each event to `on_event`; return its value.

    Work that produces a result (an upscaled image, a trained model) `return`s it from the
    generator, so callers write `result = drain(upscaler.upscale(...), print)`.
    """
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            return stop.value
        if on_event is not None:
            on_event(event)


def relay(events: Generator[E, Any, R], transform: Callable[[E], Iterable[Event]]) -> Generator[Event, None, R]:
    """`yield from events`, passing each event on as the events `transform(event)` gives
    (itself changed, none, or several: a generator function fits); returns their value.

    Like `yield from`, closing the relay (a cancelled caller) closes `events` at once, so their
    own clean-up runs before the caller's.
    """
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                return stop.value
            yield from transform(event)
    finally:
        events.close()


class tap(Generator[E, Any, R]):  # noqa: N801 - used like the generator function it stands in for
    """`yield from tap(events, on_event)`: exactly `yield from events`, calling `on_event(event)`
    for each event on its way out.

    Unlike `relay`, a `throw` reaches `events` itself (a GUI worker throws `Cancelled` in at the
    event where the user stopped, and a trainer must see it to save and report its last
    checkpoint); `close` closes `events`. The value `events` returns is this generator's.
    """

    def __init__(self, events: Generator[E, Any, R], on_event: Callable[[E], object]) -> None:
        self._events, self._on_event = events, on_event

    def send(self, value: Any) -> E:
        return self._seen(self._events.send(value))

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> E:
        error = val if isinstance(val, BaseException) else typ if isinstance(typ, BaseException) else typ()
        return self._seen(self._events.throw(error))

    def close(self) -> None:
        self._events.close()

    def _seen(self, event: E) -> E:
        self._on_event(event)
        return event
