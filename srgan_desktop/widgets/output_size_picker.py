"""Pick the output size: the model's own scale, 2x, 3x, 4x, or a width or height in pixels.

Anything but the model's own scale is the model's result resized with LANCZOS
(`core.inference.output_size`); the saved file's DPI follows the real factor.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSpinBox, QWidget

from core.inference.output_size import OutputSize

CHOICES = (("The model's scale", "native"), ("2\u00d7", "x2"), ("3\u00d7", "x3"), ("4\u00d7", "x4"),
           ("Width (pixels)", "width"), ("Height (pixels)", "height"))
DEFAULT_PIXELS = {"width": 1920, "height": 1080}
MAX_PIXELS = 65_000


class OutputSizePicker(QWidget):
    changed = Signal()
    used = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for label, key in CHOICES:
            self.kind.addItem(label, key)
        self.kind.setToolTip("The size of the saved image. The model always runs at its own scale; another size "
                             "is its result resized with a high-quality (LANCZOS) filter, and the DPI follows.")
        self.pixels = QSpinBox()
        self.pixels.setRange(1, MAX_PIXELS)
        self.pixels.setSuffix(" px")
        self.pixels.setAccelerated(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kind, 1)
        layout.addWidget(self.pixels)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.kind.activated.connect(lambda _index: self.used.emit())
        self.pixels.valueChanged.connect(lambda _value: self.changed.emit())
        self.pixels.editingFinished.connect(self.used)
        self._on_kind_changed()

    def output_size(self) -> OutputSize | None:
        """None means the model's own scale."""
        key = self.kind.currentData()
        if key == "width":
            return OutputSize(width=self.pixels.value())
        if key == "height":
            return OutputSize(height=self.pixels.value())
        if key in ("x2", "x3", "x4"):
            return OutputSize(scale=int(key[1]))
        return None

    def select(self, size: OutputSize | None) -> None:
        """Show `size` without reporting a change."""
        self.blockSignals(True)
        if size is None:
            key, pixels = "native", None
        elif size.width is not None:
            key, pixels = "width", size.width
        elif size.height is not None:
            key, pixels = "height", size.height
        else:
            key, pixels = f"x{size.scale:g}", None
        index = self.kind.findData(key)
        self.kind.setCurrentIndex(index if index >= 0 else 0)
        if pixels is not None:
            self.pixels.setValue(pixels)
        self._on_kind_changed()
        self.blockSignals(False)

    def _on_kind_changed(self, *_args) -> None:
        key = self.kind.currentData()
        self.pixels.setVisible(key in DEFAULT_PIXELS)
        if key in DEFAULT_PIXELS and self.pixels.value() in (1, *DEFAULT_PIXELS.values()):
            self.pixels.setValue(DEFAULT_PIXELS[key])     # the usual size for this side, unless one was typed
        self.changed.emit()
