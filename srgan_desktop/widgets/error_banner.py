"""One clear message at the top of the window: errors (red) and notices (amber), dismissable.

Replaces traceback dialogs: every failure the user should know about becomes one line here
and the window stays usable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

# Fixed colours on purpose: they read the same in light and dark palettes.
STYLES = {
    "error": ("#fde7e9", "#8a1c23", "#f1aeb5"),
    "notice": ("#fff4d6", "#6b4e00", "#f0d58c"),
}


class ErrorBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("\u2715")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = ""
        self.hide()

    @property
    def message(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def show_error(self, message: str) -> None:
        self._show(message, "error")

    def show_notice(self, message: str) -> None:
        self._show(message, "notice")

    def dismiss(self) -> None:
        self.level = ""
        self.hide()

    def _show(self, message: str, level: str) -> None:
        self.level = level
        self.label.setText(message.strip().splitlines()[0] if message.strip() else "Unknown error")
        background, text, border = STYLES[level]
        self.setStyleSheet(f"#errorBanner {{ background:{background}; border:1px solid {border}; border-radius:4px; }}"
                           f" #errorBanner QLabel, #errorBanner QToolButton {{ color:{text}; border:none;"
                           f" background:transparent; }}")
        self.show()
