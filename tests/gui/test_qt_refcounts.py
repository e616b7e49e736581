"""The installed Qt binding keeps Python's reference counts: a long session must not abort.

PySide6 6.12.0 on Python 3.11 loses a reference to None per Qt call that returns nothing and
one to True per signal emit; after a few thousand of either the interpreter aborts with
"Fatal Python error: bool_dealloc". pyproject.toml excludes that release; this catches it
(or a similar one) coming back. On Python 3.12+ None and True are immortal and this passes.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal


class _Emitter(QObject):
    ping = Signal(int)


def test_qt_calls_and_signals_keep_none_and_true_alive(qapp):
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    emitter = _Emitter()
    for _ in range(500):
        QCoreApplication.processEvents()
        emitter.ping.emit(1)
    assert none_before - sys.getrefcount(None) < 50, "Qt calls leak references to None"
    assert true_before - sys.getrefcount(True) < 50, "signal emits leak references to True"
