import threading
import time

import pytest

from core.common.events import Cancelled, Control


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
