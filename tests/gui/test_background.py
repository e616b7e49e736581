import time

from core.common.events import TileDone
from srgan_desktop.background import BackgroundTask


def counting_work(n, delay=0.0):
    def work(control):
        for i in range(n):
            time.sleep(delay)
            yield TileDone(i + 1, n)
        return "result"
    return work


def test_events_then_success_arrive_on_gui_thread(qtbot):
    seen, results = [], []
    task = BackgroundTask(counting_work(5)).on_event(seen.append).on_success(results.append)
    with qtbot.waitSignal(task.done, timeout=5000):
        task.start()
    assert [e.done for e in seen] == [1, 2, 3, 4, 5]
    assert results == ["result"]


def test_error_becomes_one_line(qtbot):
    def work(control):
        yield TileDone(1, 2)
        raise RuntimeError("disk full\nTraceback (most recent call last): ...")

    errors = []
    task = BackgroundTask(work).on_error(errors.append)
    with qtbot.waitSignal(task.done, timeout=5000):
        task.start()
    assert errors == ["disk full"]


def test_cancel_stops_between_events(qtbot):
    seen, cancelled = [], []
    task = BackgroundTask(counting_work(1000, delay=0.01))
    task.on_event(seen.append).on_cancelled(lambda: cancelled.append(True))
    task.start()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    with qtbot.waitSignal(task.done, timeout=5000):
        task.cancel()
    assert cancelled == [True]
    assert len(seen) < 1000


def test_stop_ends_the_thread_without_the_gui_delivering_the_outcome(qtbot):
    task = BackgroundTask(counting_work(1000, delay=0.01))
    task.start()
    assert task.stop(5000)                 # no event processing needed: the window may be closing
    assert not task._thread.isRunning()


def test_cancel_runs_the_work_clean_up_before_reporting(qtbot):
    """Work that writes a resumable checkpoint in `finally` must have done so when on_cancelled runs."""
    cleaned = []

    def work(control):
        try:
            for i in range(1000):
                time.sleep(0.01)
                yield TileDone(i + 1, 1000)
        finally:
            time.sleep(0.05)  # e.g. writing last.ckpt
            cleaned.append(True)

    seen, state_at_cancel = [], []
    task = BackgroundTask(work).on_event(seen.append)
    task.on_cancelled(lambda: state_at_cancel.append(list(cleaned)))
    task.start()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    with qtbot.waitSignal(task.done, timeout=5000):
        task.cancel()
    assert state_at_cancel == [[True]]
