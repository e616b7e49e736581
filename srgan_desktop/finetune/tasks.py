"""Waiting for a wizard's background task to end, without deadlocking the GUI thread.

`BackgroundTask.wait()` blocks on the worker thread, but that thread only stops once the GUI
thread has handled the task's final signal; blocking the GUI thread in `wait()` would hang.
So the wizard waits in a local event loop that keeps delivering those signals.
"""

from __future__ import annotations

from PySide6.QtCore import QEventLoop

from srgan_desktop.background import BackgroundTask


def wait_until_done(task: BackgroundTask | None) -> None:
    """Block (while still delivering the task's signals) until `task` has fully ended."""
    if task is None or not task.running:
        return
    loop = QEventLoop()
    task.done.connect(loop.quit)
    if task.running:  # it may have ended between the check above and connecting
        loop.exec()
