"""The first size of a window: most of the screen it opens on, never more, so nothing ends off-screen."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.9      # of the available screen a first window takes at most
SCREEN_MARGIN = 40      # pixels left for the window frame and title bar


def first_window_size(available: QSize, wanted: QSize | None = None) -> QSize:
    """`wanted` (default: 90% of the screen), shrunk to fit `available` with room for the frame."""
    wanted = wanted or QSize(round(available.width() * SCREEN_SHARE), round(available.height() * SCREEN_SHARE))
    width = min(available.width() - SCREEN_MARGIN, wanted.width())
    height = min(available.height() - SCREEN_MARGIN, wanted.height())
    return QSize(max(width, 320), max(height, 240))


def fit_to_screen(window: QWidget, wanted: QSize | None = None) -> None:
    """Size `window` for the screen it is on and centre it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    size = first_window_size(available.size(), wanted)
    window.resize(size)
    window.move(available.x() + (available.width() - size.width()) // 2,
                available.y() + (available.height() - size.height()) // 2)
