"""One zoomable, pannable image pane that follows a shared `ZoomController`.

The pane never keeps zoom state of its own: wheel and drag are turned into controller calls,
and every pane (re)positions itself from the controller, so all panes stay locked together.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QTransform, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from srgan_desktop.viewer.pane_layers import set_sampling
from srgan_desktop.viewer.zoom import WHEEL_FACTOR, ZoomController

# The scene is far larger than any image so `centerOn` is exact at every zoom and near edges.
SCENE_EXTENT = 1_000_000.0


class ImagePane(QGraphicsView):
    cursor_moved = Signal(object)   # QPointF in result pixels, or None when the cursor leaves

    def __init__(self, controller: ZoomController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setScene(QGraphicsScene(self))
        self.scene().setSceneRect(QRectF(-SCENE_EXTENT, -SCENE_EXTENT, 2 * SCENE_EXTENT, 2 * SCENE_EXTENT))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setMouseTracking(True)
        self._follow_palette()
        self._drag_from: QPointF | None = None
        controller.changed.connect(self._on_zoom_changed)

    # -- following the controller ---------------------------------------------------------
    def device_ratio(self) -> float:
        """Physical pixels per logical pixel: 100% means one result pixel per *physical* pixel."""
        return self.devicePixelRatioF() or 1.0

    def _on_zoom_changed(self) -> None:
        scale = self.controller.scale
        view_scale = scale / self.device_ratio()
        if abs(self.transform().m11() - view_scale) > 1e-9:
            self.setTransform(QTransform.fromScale(view_scale, view_scale))
        self.centerOn(self.controller.center)
        for item in self.scene().items():
            if isinstance(item, QGraphicsPixmapItem):
                set_sampling(item, scale)

    def refresh(self) -> None:
        """Re-apply the controller's state (after items were added or the pane was shown)."""
        self._on_zoom_changed()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._on_zoom_changed()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._on_zoom_changed()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def _follow_palette(self) -> None:
        self.setBackgroundBrush(self.palette().color(self.backgroundRole()).darker(115))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:   # the system switched light/dark
            self._follow_palette()

    # -- input ----------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Arrow keys pan by a tenth of the view (Shift: half a view)."""
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
                 Qt.Key.Key_Down: (0, 1)}
        step = steps.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        fraction = 0.5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.1
        visible = self.visible_scene_rect()
        self.controller.pan_by(step[0] * visible.width() * fraction, step[1] * visible.height() * fraction)
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        notches = event.angleDelta().y() / 120.0
        if notches:
            anchor = self.mapToScene(event.position().toPoint())
            self.controller.zoom_by(WHEEL_FACTOR ** notches, QPointF(anchor))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.cursor_moved.emit(QPointF(self.mapToScene(event.position().toPoint())))
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            scale = self.controller.scale / self.device_ratio()   # logical pixels per scene pixel
            self.controller.pan_by(-delta.x() / scale, -delta.y() / scale)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._drag_from is not None:
            self._drag_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.cursor_moved.emit(None)
        super().leaveEvent(event)

