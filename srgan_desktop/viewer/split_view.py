"""Split-slider mode: one pane, the original (or the compared model's result) left of a draggable
divider, the result right of it, each captioned.

The divider lives in viewport coordinates (panning slides the image under a fixed line, like
a before/after slider); the result layer is clipped to the scene area right of it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from srgan_desktop.viewer.image_pane import ImagePane
from srgan_desktop.viewer.images import ViewerImages
from srgan_desktop.viewer.pane_layers import OriginalLayer, ResultLayer
from srgan_desktop.viewer.zoom import ZoomController

GRAB_DISTANCE = 6   # screen pixels either side of the divider that start a divider drag


class SplitView(ImagePane):
    divider_moved = Signal(float)

    def __init__(self, images: ViewerImages, controller: ZoomController,
                 parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._images = images
        self._fraction = 0.5
        self._dragging_divider = False
        self.original_layer = OriginalLayer(images, before=True)
        self.result_layer = ResultLayer(images, clip=True)
        self.scene().addItem(self.original_layer)
        self.scene().addItem(self.result_layer)
        images.original_changed.connect(self._update_clip)
        images.result_changed.connect(self._update_clip)
        images.compare_changed.connect(self.viewport().update)
        images.result_changed.connect(self.viewport().update)       # the result's caption
        self._update_clip()   # also pays PySide's one-off type set-up now, not on the first image

    @property
    def panes(self) -> list[ImagePane]:
        return [self]

    @property
    def divider_fraction(self) -> float:
        return self._fraction

    def set_divider_fraction(self, fraction: float) -> None:
        self._fraction = min(1.0, max(0.0, fraction))
        self._update_clip()
        self.viewport().update()
        self.divider_moved.emit(self._fraction)

    def divider_x(self) -> float:
        """The divider's position in viewport pixels."""
        return self._fraction * self.viewport().width()

    def _on_zoom_changed(self) -> None:
        super()._on_zoom_changed()
        self._update_clip()

    def _update_clip(self) -> None:
        size = self._images.size
        left = self.mapToScene(int(round(self.divider_x())), 0).x()
        left = min(max(left, 0.0), float(size.width()))
        self.result_layer.setRect(QRectF(left, 0, size.width() - left, size.height()))

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt override
        if self._images.empty:
            return
        painter.save()
        painter.resetTransform()
        x = self.divider_x()
        height = self.viewport().height()
        painter.setPen(QPen(QColor(255, 255, 255, 230), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(QColor(40, 40, 40, 200))
        painter.drawEllipse(QPointF(x, height / 2), 9, 9)
        self._draw_caption(painter, self._images.before_label(), x - 8, right_aligned=True)
        self._draw_caption(painter, self._images.after_label(), x + 8, right_aligned=False)
        painter.restore()

    def _draw_caption(self, painter: QPainter, text: str, x: float, right_aligned: bool) -> None:
        metrics = painter.fontMetrics()
        room = (x if right_aligned else self.viewport().width() - x) - 20
        text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(40, int(room)))
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
        left = x - width if right_aligned else x
        box = QRectF(left, 8, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _near_divider(self, event: QMouseEvent) -> bool:
        return abs(event.position().x() - self.divider_x()) <= GRAB_DISTANCE

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._near_divider(event):
            self._dragging_divider = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragging_divider:
            self.set_divider_fraction(event.position().x() / max(1, self.viewport().width()))
            self.cursor_moved.emit(QPointF(self.mapToScene(event.position().toPoint())))
            event.accept()
            return
        if self._drag_from is None:
            shape = Qt.CursorShape.SplitHCursor if self._near_divider(event) else Qt.CursorShape.ArrowCursor
            self.viewport().setCursor(shape)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragging_divider and event.button() == Qt.MouseButton.LeftButton:
            self._dragging_divider = False
            event.accept()
            return
        super().mouseReleaseEvent(event)
