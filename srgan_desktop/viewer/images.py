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
    result_changed = Signal()      # the full result, the previews or the result's name changed
    filter_changed = Signal()
    compare_changed = Signal()     # the compared result, its name or the compare mode changed
    overlay_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.original: QPixmap | None = None          # source pixels, 1:1
        self.original_bicubic: QPixmap | None = None  # source enlarged by `scale`, bicubic
        self.scale = 4
        self.filter = "bicubic"
        self.result: QPixmap | None = None
        self.result_label = ""                        # the model that made the result
        self.previews: list[tuple[QRect, QPixmap]] = []   # rect in result pixels
        self.compare_mode = False                     # the left side shows another model's result
        self.compared: QPixmap | None = None
        self.compared_label = ""
        self.overlay: QPixmap | None = None           # the invented-detail map over the result

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
        """A new source image: drops the old result, previews, compared result and overlay."""
        self.original = QPixmap.fromImage(original)
        self.original_bicubic = QPixmap.fromImage(bicubic) if bicubic is not None else None
        self.scale = scale
        self.result = self.compared = self.overlay = None
        self.previews = []
        self.original_changed.emit()
        self.result_changed.emit()
        self.compare_changed.emit()
        self.overlay_changed.emit()

    def set_result(self, result: QImage | None, label: str = "") -> None:
        self.result = QPixmap.fromImage(result) if result is not None else None
        self.result_label = label if result is not None else ""
        self.previews = []
        self.result_changed.emit()

    def begin_rerun(self, label: str) -> None:
        """The same source is upscaled again (another model or detail): the old result stays under the
        new previews until the new result replaces it; its overlay no longer applies."""
        self.previews = []
        self.result_label = label
        self.result_changed.emit()
        self.set_overlay(None)

    def add_preview(self, rect: QRect, image: QImage) -> None:
        self.previews.append((rect, QPixmap.fromImage(image)))
        self.result_changed.emit()

    def set_compare_mode(self, on: bool) -> None:
        if on != self.compare_mode:
            self.compare_mode = on
            self.compare_changed.emit()

    def set_compared(self, image: QImage | None, label: str = "") -> None:
        """The other model's result for compare mode (None while it is being made)."""
        self.compared = QPixmap.fromImage(image) if image is not None else None
        self.compared_label = label
        self.compare_changed.emit()

    def set_overlay(self, image: QImage | None) -> None:
        if image is None and self.overlay is None:
            return
        self.overlay = QPixmap.fromImage(image) if image is not None else None
        self.overlay_changed.emit()

    def clear(self) -> None:
        self.original = self.original_bicubic = self.result = self.compared = self.overlay = None
        self.previews = []
        self.original_changed.emit()
        self.result_changed.emit()
        self.compare_changed.emit()
        self.overlay_changed.emit()

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

    def before_pixmap(self) -> tuple[QPixmap | None, float]:
        """What the left side (or left of the divider) shows: the compared result in compare mode, once
        it exists, else the original; with the item scale that lays it over the result's pixels."""
        if self.compare_mode and self.compared is not None and self.original is not None:
            return self.compared, self.size.width() / max(1, self.compared.width())
        return self.original_pixmap()

    def before_label(self) -> str:
        if not self.compare_mode:
            return f"Original ({self.filter})"
        if self.compared is None:
            return f"Original ({self.filter}) \u2014 {self.compared_label or 'the other model'} in progress\u2026"
        return self.compared_label

    def after_label(self) -> str:
        return self.result_label or "Result"
