"""Small helpers of the main window: opening the other tool windows, the shortcuts list."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from srgan_desktop.background import one_line_error

W = TypeVar("W", bound=QWidget)


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

