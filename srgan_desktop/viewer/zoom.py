"""The one zoom/pan state that every viewer pane follows, so the panes stay locked together.

Coordinates are result pixels (the original is shown enlarged by the model scale, so one
coordinate system serves both panes). `scale` is screen pixels per result pixel: 1.0 is
100%. The centre is clamped to the image so a pan can never lose it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QSize, QSizeF, Signal

ZOOM_STEPS = (0.03125, 0.0625, 0.125, 0.1667, 0.25, 0.3333, 0.5, 0.6667, 1.0, 1.5, 2.0, 3.0,
              4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
MIN_SCALE, MAX_SCALE = 0.01, 64.0
WHEEL_FACTOR = 1.25   # per wheel notch: fine enough to aim, coarse enough to travel
MIN_STEP = 1.15       # a keyboard zoom step changes the scale by at least this factor


class ZoomController(QObject):
    """Scale + centre shared by all panes; `changed` fires after every move."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self._center = QPointF(0, 0)
        self._image = QSizeF(0, 0)
        self.fitting = True   # re-fit on resize until the user zooms by hand

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def center(self) -> QPointF:
        return QPointF(self._center)

    @property
    def image_size(self) -> QSizeF:
        return QSizeF(self._image)

    def set_image_size(self, size: QSizeF | QSize) -> None:
        """A new image: keep the zoom if the size is unchanged (a result replacing its preview)."""
        size = QSizeF(size)
        if size == self._image:
            return
        self._image = size
        self._center = QPointF(size.width() / 2, size.height() / 2)
        self.changed.emit()

    def set_scale(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to `scale`, keeping the scene point `anchor` (e.g. under the cursor) in place."""
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        self.fitting = False
        if anchor is not None and self._scale > 0:
            ratio = self._scale / scale
            self._center = anchor + (self._center - anchor) * ratio
        self._scale = scale
        self._clamp()
        self.changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_scale(self._scale * factor, anchor)

    def zoom_in(self) -> None:
        """The next round level that is a visible step up (from a fitted 32%: 50%, not 33%)."""
        self.set_scale(next((s for s in ZOOM_STEPS if s > self._scale * MIN_STEP), MAX_SCALE))

    def zoom_out(self) -> None:
        self.set_scale(next((s for s in reversed(ZOOM_STEPS) if s < self._scale / MIN_STEP), MIN_SCALE))

    def fit(self, viewport: QSize | QSizeF) -> None:
        """The whole image in the viewport, centred; stays fitted on later resizes."""
        if self._image.isEmpty() or viewport.isEmpty():
            return
        self._scale = min(viewport.width() / self._image.width(), viewport.height() / self._image.height())
        self._center = QPointF(self._image.width() / 2, self._image.height() / 2)
        self.fitting = True
        self.changed.emit()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) scene pixels."""
        self._center = QPointF(self._center.x() + dx, self._center.y() + dy)
        self._clamp()
        self.changed.emit()

    def center_on(self, point: QPointF) -> None:
        self._center = QPointF(point)
        self._clamp()
        self.changed.emit()

    def _clamp(self) -> None:
        self._center = QPointF(min(max(self._center.x(), 0.0), self._image.width()),
                               min(max(self._center.y(), 0.0), self._image.height()))
