"""srgan_desktop.background: work off the GUI thread, awaited in qasync slots; events, outcome, cancel, stop."""

import asyncio
import threading
import time

from PySide6.QtCore import QObject, QTimer

from core.common.events import Cancelled, Control, TileDone
from srgan_desktop.background import (
    WorkFailed,
    async_slot,
    call_in_background,
    run_in_background,
    set_error_reporter,
)


def counting_work(n, delay=0.0):
    def work(control):
        for i in range(n):
            if delay:
                time.sleep(delay)
            yield TileDone(i + 1, n)
        return "result"
    return work


def finish(qtbot, awaitable, timeout: int = 5000):
    """Run a coroutine on the app's loop while Qt turns, as a slot would; its result."""
    task = asyncio.ensure_future(awaitable)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def test_events_arrive_in_order_on_the_gui_thread_then_the_result(qtbot):
    seen = []

    def on_event(event):
        seen.append((event.done, threading.current_thread() is threading.main_thread()))

    async def slot():
        return await run_in_background(counting_work(5), on_event=on_event)

    assert finish(qtbot, slot()) == "result"
    assert seen == [(i, True) for i in range(1, 6)]


def test_a_plain_function_runs_off_the_gui_thread(qtbot):
    async def slot():
        return await call_in_background(lambda a, b: (a + b, threading.current_thread().name), 2, 3)

    assert finish(qtbot, slot()) == (5, "srgan-background")


def test_an_error_is_one_line_with_the_original_chained(qtbot):
    def work(control):
        yield TileDone(1, 2)
        raise RuntimeError("disk full\nTraceback (most recent call last): ...")

    async def slot():
        try:
            await run_in_background(work)
        except WorkFailed as failure:
            return failure

    failure = finish(qtbot, slot())
    assert failure.message == "disk full" and isinstance(failure.__cause__, RuntimeError)


def test_cancel_raises_cancelled_after_the_work_cleaned_up(qtbot):
    cleaned, seen = [], []

    def work(control):
        try:
            yield from counting_work(1000, delay=0.01)(control)
        finally:
            time.sleep(0.05)        # e.g. writing last.ckpt
            cleaned.append(True)

    job = None

    async def slot():
        nonlocal job
        job = run_in_background(work, on_event=seen.append)
        try:
            await job
        except Cancelled:
            return list(cleaned)

    task = asyncio.ensure_future(slot())
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    job.cancel()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == [True] and len(seen) < 1000


def test_pause_holds_the_work_until_resumed(qtbot):
    seen = []
    control = Control()

    async def slot():
        return await run_in_background(counting_work(30, delay=0.005), on_event=seen.append, control=control)

    task = asyncio.ensure_future(slot())
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    control.pause()
    qtbot.wait(100)
    held = len(seen)
    qtbot.wait(200)
    assert len(seen) == held and not task.done()
    control.resume()
    qtbot.waitUntil(task.done, timeout=5000)
    assert len(seen) == 30


def test_stop_delivers_the_last_events_and_lets_the_awaiting_slot_finish(qtbot):
    """A closing window calls stop(): when it returns, the slot has seen the outcome."""
    seen, outcome = [], []
    job = None

    async def slot():
        nonlocal job
        job = run_in_background(counting_work(1000, delay=0.01), on_event=seen.append)
        try:
            await job
        except Cancelled:
            outcome.append("cancelled")

    task = asyncio.ensure_future(slot())
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert job.stop(5.0)
    assert outcome == ["cancelled"] and task.done() and not job.running


def test_stop_without_cancel_lets_the_work_finish(qtbot):
    jobs = []

    async def slot():
        jobs.append(run_in_background(counting_work(20, delay=0.01)))
        return await jobs[0]

    task = asyncio.ensure_future(slot())
    qtbot.waitUntil(lambda: bool(jobs), timeout=5000)
    assert jobs[0].stop(5.0, cancel=False)
    assert task.result() == "result"


def test_a_failure_no_slot_catches_goes_to_the_error_banner(qtbot):
    reported = []
    set_error_reporter(reported.append)
    try:
        class Page(QObject):
            @async_slot()
            async def start(self):
                await call_in_background(lambda: 1 / 0)

            @async_slot()
            async def stopped(self):
                raise Cancelled()

        page = Page()
        task = page.start()
        quiet = page.stopped()
        qtbot.waitUntil(lambda: task.done() and quiet.done(), timeout=5000)
    finally:
        set_error_reporter(None)
    assert reported == ["division by zero"]


def test_a_flood_of_events_leaves_the_window_responsive(qtbot):
    """The work may report far faster than the window handles events: the window still turns."""
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    handled = []

    def on_event(event):               # ~100 us of GUI work per event: 10,000 of them take a second
        handled.append(event.done)
        end = time.perf_counter() + 100e-6
        while time.perf_counter() < end:
            pass

    async def slot():
        return await run_in_background(counting_work(10_000), on_event=on_event)

    timer.start()
    finish(qtbot, slot(), timeout=30_000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert handled == list(range(1, 10_001))
    assert len(gaps) > 20 and max(gaps) < 0.1, f"the GUI froze for {max(gaps) * 1000:.0f} ms"


def test_a_cancel_is_raised_inside_the_work_so_its_clean_up_may_still_report(qtbot):
    """A trainer stopped between steps writes a last checkpoint and says so before Cancelled."""
    seen, outcome = [], []

    def work(control):
        try:
            for i in range(1000):
                time.sleep(0.01)
                yield TileDone(i + 1, 1000)
        except Cancelled:
            yield TileDone(0, 0)         # "last checkpoint saved"
            yield TileDone(-1, 0)        # the clean-up is not cut short by the cancel
            raise

    jobs = []

    async def slot():
        jobs.append(run_in_background(work, on_event=seen.append))
        try:
            await jobs[0]
        except Cancelled:
            outcome.append("cancelled")

    asyncio.ensure_future(slot())
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert jobs[0].stop(5.0)
    assert [e.done for e in seen[-2:]] == [0, -1] and outcome == ["cancelled"]
