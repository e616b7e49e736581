"""What the viewer shows: the original, its enlarged versions, the result and preview patches.

A small model object the view widgets subscribe to, so side-by-side and split mode draw the
same state. Pixmaps are made once per image here (never per paint).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize, Signal
from PySide6.QtGui import QImage, QPixmap

from srgan_desktop.settings import ORIGINAL_FILTERS


class ViewerImages(QObject):
    original_changed = Signal()
    result_changed = Signal()      # the full result, or the previews, changed
    filter_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.original: QPixmap | None = None          # source pixels, 1:1
        self.original_bicubic: QPixmap | None = None  # source enlarged by `scale`, bicubic
        self.scale = 4
        self.filter = "bicubic"
        self.result: QPixmap | None = None
        self.previews: list[tuple[QRect, QPixmap]] = []   # rect in result pixels

    @property
    def size(self) -> QSize:
        """The size in result pixels (the shared scene size of every pane)."""
        if self.original is None:
            return QSize(0, 0)
        return QSize(self.original.width() * self.scale, self.original.height() * self.scale)

    @property
    def empty(self) -> bool:
        return self.original is None

    def set_original(self, original: QImage, bicubic: QImage | None, scale: int) -> None:
        """A new source image: drops the old result and previews."""
        self.original = QPixmap.fromImage(original)
        self.original_bicubic = QPixmap.fromImage(bicubic) if bicubic is not None else None
        self.scale = scale
        self.result = None
        self.previews = []
        self.original_changed.emit()
        self.result_changed.emit()

    def set_result(self, result: QImage | None) -> None:
        self.result = QPixmap.fromImage(result) if result is not None else None
        self.previews = []
        self.result_changed.emit()

    def add_preview(self, rect: QRect, image: QImage) -> None:
        self.previews.append((rect, QPixmap.fromImage(image)))
        self.result_changed.emit()

    def clear(self) -> None:
        self.original = self.original_bicubic = self.result = None
        self.previews = []
        self.original_changed.emit()
        self.result_changed.emit()

    def set_filter(self, name: str) -> None:
        if name not in ORIGINAL_FILTERS:
            raise ValueError(f"filter must be one of {ORIGINAL_FILTERS}")
        if name != self.filter:
            self.filter = name
            self.filter_changed.emit()

    def original_pixmap(self) -> tuple[QPixmap | None, float]:
        """The pixmap that shows the original at the chosen filter, and its item scale."""
        if self.filter == "bicubic" and self.original_bicubic is not None:
            return self.original_bicubic, 1.0
        return self.original, float(self.scale)
