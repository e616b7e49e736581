"""Small helpers of the main window: opening the other tool windows, the shortcuts list, the first size."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QSize
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from srgan_desktop.background import one_line_error

W = TypeVar("W", bound=QWidget)

SCREEN_SHARE = 0.9      # of the available screen the first window takes
SCREEN_MARGIN = 40      # pixels left for the window frame and title bar
MIN_WIDTH, MIN_HEIGHT = 960, 620


def open_tool_window(parent: QWidget, make: Callable[[QWidget], W], what: str,
                     show_error: Callable[[str], None]) -> W | None:
    """Make a tool window (batch, fine-tune) and bring it to the front, or say why it could not open."""
    try:
        window = make(parent)
    except Exception as exc:  # noqa: BLE001 - a broken tool window must not take the app down
        show_error(f"{what} could not open: {one_line_error(exc)}")
        return None
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def shortcuts_text(window: QWidget) -> str:
    """One line per action: its main key (the one a person would type) and what it does."""
    rows = []
    for action in window.actions():
        keys = action.shortcuts()
        if keys:
            name = action.text().replace("&", "").replace("\u2026", "")
            key = keys[0].toString(QKeySequence.SequenceFormat.NativeText)
            rows.append(f"<tr><td style='padding-right:18px'><b>{html.escape(key)}</b></td>"
                        f"<td>{html.escape(name)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def first_window_size(available: QSize) -> QSize:
    """The first window on a screen: most of the available area (never more), so the status bar shows."""
    width = min(available.width() - SCREEN_MARGIN, max(MIN_WIDTH, round(available.width() * SCREEN_SHARE)))
    height = min(available.height() - SCREEN_MARGIN, max(MIN_HEIGHT, round(available.height() * SCREEN_SHARE)))
    return QSize(max(width, 320), max(height, 240))
