"""One clear message at the top of the window: errors (red) and notices (amber), dismissable.

Replaces traceback dialogs: every failure the user should know about becomes one line here
and the window stays usable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

STYLES = {
    "error": "background:#fde7e9; color:#8a1c23; border:1px solid #f1aeb5;",
    "notice": "background:#fff4d6; color:#6b4e00; border:1px solid #f0d58c;",
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
        self.setStyleSheet(f"#errorBanner {{ {STYLES[level]} border-radius:4px; }}"
                           f" #errorBanner QLabel {{ border:none; background:transparent; }}")
        self.show()
