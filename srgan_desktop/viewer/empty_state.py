"""What the viewer shows before any image: how to start, and a button that opens the bundled sample."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

TEXT = ("<div style='font-size:18pt'>Drop images here or press Ctrl+O</div>"
        "<div style='font-size:10pt; margin-top:12px; color:palette(placeholder-text)'>"
        "or paste one with Ctrl+V. Each image is upscaled 4\u00d7 with the selected model;<br>"
        "the original and the result appear side by side, zoomed and panned together.</div>")
STYLE = "#emptyState { border: 2px dashed palette(mid); border-radius: 12px; margin: 36px; }"


class EmptyState(QFrame):
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.setStyleSheet(STYLE)
        self.label = QLabel(TEXT)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.sample_button = QPushButton("Try the sample image")
        self.sample_button.setToolTip("Upscale the photo that comes with the app, to see what the models do")
        self.sample_button.clicked.connect(self.sample_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addSpacing(16)
        layout.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
