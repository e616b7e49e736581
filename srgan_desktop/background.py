"""The one module of the GUI that knows about threads; feature code awaits it in qasync slots.

Long work is core's plain-Python stream of typed events, `work(control) -> generator of Event`
whose `return` value is the result, or a plain function. A slot reads top to bottom:

    @async_slot()
    async def start(self) -> None:
        self._job = run_in_background(lambda control: run_batch(plan, options, control),
                                      on_event=self._on_progress)
        try:
            finished = await self._job      # the generator's return value
        except Cancelled:
            ...                             # the user stopped it; the work's clean-up has run
        except WorkFailed as failure:
            self.log(failure.message)       # one line, never a traceback
        finally:
            self._job = None

The work runs on a thread of its own and never touches a widget; `on_event` and everything
after `await` run on the GUI thread, in order. `Job.cancel()`, `pause()` and `resume()` act
through the `core.common.events.Control` the work checks between events. `Job.stop()` is the
one way to stop and wait (a window closing). A `WorkFailed` that no slot catches goes to the
app's error banner (`set_error_reporter`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

import qasync
from PySide6.QtCore import QEventLoop, QTimer

from core.common.events import Cancelled, Control, Event

T = TypeVar("T")
WorkFunction = Callable[[Control], Generator[Event, None, Any]]
SlotFunction = TypeVar("SlotFunction", bound=Callable[..., Coroutine[Any, Any, Any]])

HANDOVER_SLICE_S = 0.03   # the GUI thread takes events in slices this long, so it still repaints

_log = logging.getLogger(__name__)
_error_reporter: Callable[[str], None] | None = None


class WorkFailed(Exception):
    """The background work raised; `message` is the one line a user sees (the cause is chained)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def set_error_reporter(reporter: Callable[[str], None] | None) -> None:
    """Where a `WorkFailed` that no slot catches is shown (the main window's error banner)."""
    global _error_reporter
    _error_reporter = reporter


def one_line_error(exc: BaseException) -> str:
    """The message a user sees: the exception's first line, never a traceback."""
    if isinstance(exc, MemoryError):
        return "Out of memory: try a smaller tile size or a smaller image."
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def async_slot(*types: type) -> Callable[[SlotFunction], SlotFunction]:
    """`qasync.asyncSlot`: the coroutine runs on the app's loop; calling the slot returns its Task.

    A `WorkFailed` the slot lets through goes to the error banner; a `Cancelled` is the user's
    own doing and ends the slot quietly. Other exceptions are bugs: qasync hands them to
    `sys.excepthook`.
    """
    def decorate(slot: SlotFunction) -> SlotFunction:
        @functools.wraps(slot)
        async def reporting(*args: Any, **kwargs: Any) -> Any:
            try:
                return await slot(*args, **kwargs)
            except Cancelled:
                return None
            except WorkFailed as failure:
                report_error(failure.message)
                return None

        return qasync.asyncSlot(*types)(reporting)

    return decorate


def report_error(message: str) -> None:
    """Show a one-line failure in the error banner (logged when no window has set one)."""
    if _error_reporter is not None:
        _error_reporter(message)
    else:
        _log.error("%s", message)


def run_in_background(work: WorkFunction, on_event: Callable[[Event], None] | None = None, *,
                      control: Control | None = None) -> Job[Any]:
    """Start `work(control)` on a worker thread; each event it yields goes to `on_event`.

    Await the job for the generator's return value; it raises `Cancelled` once the work has
    stopped at a cancel (after its own clean-up) and `WorkFailed` when the work raised.
    """
    control = control if control is not None else Control()
    return Job(lambda job: _pump(work(control), job, control), on_event, control)


def call_in_background(function: Callable[..., T], *args: Any) -> Job[T]:
    """Run a plain `function(*args)` on a worker thread; await the job for its return value."""
    return Job(lambda _job: function(*args), None, Control())


class Job(Generic[T]):
    """One piece of work on its own thread (made by `run_in_background` or `call_in_background`)."""

    def __init__(self, target: Callable[[Job], T], on_event: Callable[[Event], None] | None,
                 control: Control) -> None:
        self.control = control
        self._on_event = on_event
        self._loop = asyncio.get_event_loop()
        self._future: asyncio.Future[T] = self._loop.create_future()
        self._future.add_done_callback(self._on_future_done)
        self._awaiter: asyncio.Task | None = None
        self._inbox: deque[tuple[str, Any]] = deque()
        self._inbox_lock = threading.Lock()
        self._handover_pending = False
        self._thread = threading.Thread(target=self._run, args=(target,), name="srgan-background", daemon=True)
        self._thread.start()

    def __await__(self) -> Generator[Any, None, T]:
        self._awaiter = asyncio.current_task(self._loop)
        return (yield from self._future.__await__())

    @property
    def running(self) -> bool:
        """True until the outcome has reached the GUI thread."""
        return not self._future.done()

    @property
    def paused(self) -> bool:
        return self.control.paused

    def cancel(self) -> None:
        self.control.cancel()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def stop(self, timeout_s: float = 30.0, cancel: bool = True) -> bool:
        """Cancel (or with `cancel=False` let the work finish) and wait for the end of it all.

        The window stays painted while this waits: the job's last events and its outcome are
        delivered, and the slot awaiting it runs to its end. True if that happened within
        `timeout_s`. For plain handlers (closeEvent, a button's slot); inside an async slot
        it can only wait for the thread, and the slot awaiting the job finishes afterwards.
        """
        if cancel:
            self.control.cancel()
        deadline = time.monotonic() + timeout_s
        awaited = self._awaiter if self._awaiter is not None else self._future
        inside_a_slot = asyncio.current_task(self._loop) is not None   # nested delivery would re-enter it
        if not inside_a_slot:
            _run_qt_until(awaited, deadline)
        self._thread.join(max(0.0, deadline - time.monotonic()))
        ended = not self._thread.is_alive()
        return ended if inside_a_slot else ended and awaited.done()

    # -- worker thread ------------------------------------------------------------------------
    def _run(self, target: Callable[[Job], T]) -> None:
        try:
            outcome: tuple[str, Any] = ("result", target(self))
        except Cancelled:
            outcome = ("cancelled", None)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line for the user
            outcome = ("error", exc)
        self._post(outcome)

    def _post(self, item: tuple[str, Any]) -> None:
        with self._inbox_lock:
            self._inbox.append(item)
            if self._handover_pending:
                return
            self._handover_pending = True
        self._loop.call_soon_threadsafe(self._hand_over)

    # -- GUI thread ---------------------------------------------------------------------------
    def _hand_over(self) -> None:
        """Deliver what the worker posted, in order, in slices that leave the GUI responsive."""
        slice_end = time.monotonic() + HANDOVER_SLICE_S
        while True:
            with self._inbox_lock:
                if not self._inbox:
                    self._handover_pending = False
                    return
                kind, value = self._inbox.popleft()
            self._deliver(kind, value)
            if time.monotonic() > slice_end:
                self._loop.call_soon(self._hand_over)
                return

    def _deliver(self, kind: str, value: Any) -> None:
        if kind == "event":
            if self._on_event is not None:
                try:
                    self._on_event(value)
                except Exception:  # noqa: BLE001 - a bug in a progress handler is reported; the work goes on
                    sys.excepthook(*sys.exc_info())
            return
        if self._future.done():       # the awaiting slot was cancelled
            return
        if kind == "result":
            self._future.set_result(value)
        elif kind == "cancelled":
            self._future.set_exception(Cancelled())
        else:
            failure = WorkFailed(one_line_error(value))
            failure.__cause__ = value
            self._future.set_exception(failure)

    def _on_future_done(self, future: asyncio.Future) -> None:
        if future.cancelled():        # the awaiting slot was cancelled: so is the work
            self.control.cancel()


def _pump(events: Generator[Event, None, T], job: Job, control: Control) -> T:
    """Run an event generator on the worker: post each event, honour pause and cancel between them.

    A cancel seen between events is raised inside the work at the `yield` it stopped at, as
    its own `control.checkpoint()` would have raised it: its clean-up runs in its own
    `except Cancelled`/`finally` blocks and may still report (a trainer's last checkpoint)
    before `Cancelled` comes out.
    """
    throw_cancel = thrown = False
    while True:
        try:
            if throw_cancel:
                throw_cancel, thrown = False, True
                event = events.throw(Cancelled())
            else:
                event = next(events)
        except StopIteration as stop:
            return stop.value
        job._post(("event", event))
        if not thrown:               # once raised inside, the work's clean-up runs to its end
            try:
                control.checkpoint()
            except Cancelled:
                throw_cancel = True


def _run_qt_until(future: asyncio.Future, deadline: float) -> None:
    """Keep the GUI thread's events (and so the asyncio loop) turning until `future` is done."""
    if future.done():
        return
    waiting = QEventLoop()
    timer = QTimer(singleShot=True)
    timer.timeout.connect(waiting.quit)
    timer.start(max(0, int((deadline - time.monotonic()) * 1000)))

    def quit_waiting(_future: asyncio.Future) -> None:
        waiting.quit()

    future.add_done_callback(quit_waiting)
    waiting.exec()
    timer.stop()
    future.remove_done_callback(quit_waiting)
