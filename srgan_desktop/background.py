"""The one module of the GUI that knows about threads.

Feature code describes work as a function `work(control) -> generator of core events` and says
what happens with each event, on success, on failure and on cancel:

    task = BackgroundTask(lambda control: upscaler.upscale(array, control), parent=self)
    task.on_event(self._on_progress).on_success(self._on_done).on_error(self._on_error)
    task.start()

The generator runs on a QThread; every callback runs on the GUI thread (queued signals). The
generator's `return` value goes to `on_success`. `cancel()`, `pause()` and `resume()` act
through the `core.common.events.Control` the work checks between events. An error with no handler
goes to the application-wide error reporter (`set_error_reporter`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.common.events import Cancelled, Control, Event

WorkFunction = Callable[[Control], Generator[Event, None, Any]]

_error_reporter: Callable[[str], None] | None = None


def set_error_reporter(reporter: Callable[[str], None] | None) -> None:
    """Where errors of tasks without an `on_error` handler are shown (one dialog for the app)."""
    global _error_reporter
    _error_reporter = reporter


def one_line_error(exc: BaseException) -> str:
    """The message a user sees: the exception's first line, never a traceback."""
    if isinstance(exc, MemoryError):
        return "Out of memory: try a smaller tile size or a smaller image."
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


class _Runner(QObject):
    """Lives on the worker thread and drives the generator."""

    event = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: WorkFunction, control: Control) -> None:
        super().__init__()
        self._work = work
        self._control = control

    @Slot()
    def run(self) -> None:
        events = None
        try:
            events = self._work(self._control)
            while True:
                try:
                    item = next(events)
                except StopIteration as stop:
                    self.succeeded.emit(stop.value)
                    return
                self.event.emit(item)
                self._control.checkpoint()
        except Cancelled:
            # A cancel seen here leaves the generator suspended: close it first so its own
            # clean-up (temp files removed, a resumable checkpoint written) is done before
            # anyone hears "cancelled".
            try:
                if events is not None:
                    events.close()
            except Exception as exc:  # noqa: BLE001
                self.failed.emit(one_line_error(exc))
                return
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one user-facing line
            self.failed.emit(one_line_error(exc))


class BackgroundTask(QObject):
    """Runs one piece of core work off the GUI thread; callbacks arrive on the GUI thread."""

    done = Signal()  # after any outcome, once the thread has stopped

    def __init__(self, work: WorkFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = Control()
        self._thread = QThread()
        self._runner = _Runner(work, self.control)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._on_event: Callable[[Event], None] | None = None
        self._on_success: Callable[[Any], None] | None = None
        self._on_error: Callable[[str], None] | None = None
        self._on_cancelled: Callable[[], None] | None = None
        self._runner.event.connect(self._deliver_event)
        self._runner.succeeded.connect(self._deliver_success)
        self._runner.failed.connect(self._deliver_error)
        self._runner.cancelled.connect(self._deliver_cancelled)
        self._finished = False

    def on_event(self, callback: Callable[[Event], None]) -> BackgroundTask:
        self._on_event = callback
        return self

    def on_success(self, callback: Callable[[Any], None]) -> BackgroundTask:
        self._on_success = callback
        return self

    def on_error(self, callback: Callable[[str], None]) -> BackgroundTask:
        self._on_error = callback
        return self

    def on_cancelled(self, callback: Callable[[], None]) -> BackgroundTask:
        self._on_cancelled = callback
        return self

    def start(self) -> BackgroundTask:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.control.cancel()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def running(self) -> bool:
        return self._thread.isRunning() and not self._finished

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker thread ends (used at shutdown and in tests)."""
        return self._thread.wait() if msecs < 0 else self._thread.wait(msecs)

    def stop(self, msecs: int = 10_000, cancel: bool = True) -> bool:
        """Window closing: (cancel and) let the thread end as soon as the work returns.

        `wait()` alone can block until timeout when the GUI thread is not delivering the
        outcome (the thread only quits after delivery); this quits it directly. True if the
        thread ended within `msecs`.
        """
        if cancel:
            self.control.cancel()
        self._thread.quit()
        return self.wait(msecs)

    @Slot(object)
    def _deliver_event(self, event: Event) -> None:
        if self._on_event is not None:
            self._on_event(event)

    @Slot(object)
    def _deliver_success(self, value: Any) -> None:
        self._finish()
        if self._on_success is not None:
            self._on_success(value)
        self.done.emit()

    @Slot(str)
    def _deliver_error(self, message: str) -> None:
        self._finish()
        if self._on_error is not None:
            self._on_error(message)
        elif _error_reporter is not None:
            _error_reporter(message)
        self.done.emit()

    @Slot()
    def _deliver_cancelled(self) -> None:
        self._finish()
        if self._on_cancelled is not None:
            self._on_cancelled()
        self.done.emit()

    def _finish(self) -> None:
        self._finished = True
        self._thread.quit()
        self._thread.wait()
