import threading
import time

import pytest

from core.common.events import Cancelled, Control, TileDone, drain, relay


def test_checkpoint_raises_after_cancel():
    control = Control()
    control.checkpoint()
    control.cancel()
    with pytest.raises(Cancelled):
        control.checkpoint()


def test_pause_blocks_until_resume_and_cancel_wakes_a_paused_worker():
    control = Control()
    control.pause()
    passed = threading.Event()

    def worker():
        try:
            control.checkpoint()
            passed.set()
        except Cancelled:
            pass

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.1)
    assert not passed.is_set()
    control.resume()
    thread.join(2)
    assert passed.is_set()

    control.pause()
    thread = threading.Thread(target=worker)
    thread.start()
    control.cancel()
    thread.join(2)
    assert not thread.is_alive()


def test_relay_passes_every_event_on_changed_and_returns_the_value():
    def work():
        yield TileDone(1, 2)
        yield TileDone(2, 2)
        return "result"

    def changed(event):                     # the last tile gets a second event after it
        yield TileDone(event.done + 10, event.total + 10)
        if event.done == event.total:
            yield TileDone(0, 0)

    seen = []
    assert drain(relay(work(), changed), seen.append) == "result"
    assert seen == [TileDone(11, 12), TileDone(12, 12), TileDone(0, 0)]


def test_closing_a_relay_closes_the_work_at_once():
    cleaned = []

    def work():
        try:
            yield TileDone(1, 2)
            yield TileDone(2, 2)
        finally:
            cleaned.append(True)

    source = work()
    relayed = relay(source, lambda e: [e])
    next(relayed)
    keep_alive = source           # the relay, not garbage collection, must close it
    relayed.close()
    assert cleaned == [True] and keep_alive.gi_frame is None


def test_tap_sees_every_event_and_passes_a_thrown_cancel_to_the_work():
    from core.common.events import Cancelled, tap
    saved = []

    def work():
        try:
            yield 1
            yield 2
        except Cancelled:
            saved.append("checkpoint")
            yield "saved"
            raise
        return "done"

    seen = []
    assert drain(tap(work(), seen.append)) == "done" and seen == [1, 2]

    def outer():
        return (yield from tap(work(), seen.append))

    seen.clear()
    events = outer()
    assert next(events) == 1
    assert events.throw(Cancelled()) == "saved" and saved == ["checkpoint"] and seen == [1, "saved"]
    with pytest.raises(Cancelled):
        next(events)
