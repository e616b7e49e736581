"""Small helpers of the main window: opening the other tool windows, the shortcuts list."""

from __future__ import annotations

import importlib

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget


def open_tool_window(parent: QMainWindow, module_name: str, class_name: str, what: str) -> QWidget | None:
    """Import a window lazily (it may not be installed in this build) and show it, or say why not."""
    try:
        module = importlib.import_module(module_name)
        window_class = getattr(module, class_name)
    except (ImportError, AttributeError):
        parent.banner.show_notice(f"{what} is not available in this version of SRGAN Desktop yet.")
        return None
    try:
        window = window_class(parent=parent)
    except Exception as exc:  # noqa: BLE001 - a broken tool window must not take the app down
        parent.banner.show_error(f"{what} could not open: {str(exc).splitlines()[0] if str(exc) else exc!r}")
        return None
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def shortcuts_text(window: QWidget) -> str:
    lines = []
    for action in window.actions():
        keys = action.shortcuts()
        if keys:
            text = action.text().replace("&", "").replace("…", "")
            shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
            lines.append(f"{shown}\t{text}")
    return "\n".join(lines)
