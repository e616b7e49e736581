"""Scene items that draw the viewer's images; they follow a `ViewerImages` model.

Both live in result-pixel coordinates: the original is enlarged by the model scale through
the item transform (nearest) or comes pre-enlarged (bicubic).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem

from srgan_desktop.viewer.images import ViewerImages


def set_sampling(item: QGraphicsPixmapItem, view_scale: float) -> None:
    """Nearest when a source pixel covers >= 1 screen pixel (pixels stay crisp), smooth below."""
    magnification = view_scale * item.scale()
    mode = (Qt.TransformationMode.FastTransformation if magnification >= 0.999
            else Qt.TransformationMode.SmoothTransformation)
    if item.transformationMode() != mode:
        item.setTransformationMode(mode)


class OriginalLayer(QGraphicsPixmapItem):
    """The original at the chosen filter; with `before=True` the compared model's result in compare mode."""

    def __init__(self, images: ViewerImages, before: bool = False) -> None:
        super().__init__()
        self._images = images
        self._before = before
        self._active = True
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        images.original_changed.connect(self._on_images_changed)
        images.filter_changed.connect(self._on_images_changed)
        if before:
            images.compare_changed.connect(self._on_images_changed)
        self._on_images_changed()

    def _on_images_changed(self) -> None:
        pixmap, scale = self._images.before_pixmap() if self._before else self._images.original_pixmap()
        self.setVisible(self._active and pixmap is not None)
        if pixmap is not None:
            self.setPixmap(pixmap)
            self.setScale(scale)

    def set_active(self, active: bool) -> None:
        self._active = active
        self._on_images_changed()


class ResultLayer(QGraphicsRectItem):
    """The result, the preview patches on top of it (or of the veiled original until it exists) and the
    invented-detail overlay over all; optionally clipped to `rect()`."""

    def __init__(self, images: ViewerImages, clip: bool = False) -> None:
        super().__init__()
        self._images = images
        self._clip = clip
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, clip)
        self._children: list[QGraphicsPixmapItem] = []
        # Until the result exists its area shows the original under a veil (previews on top), so
        # "not computed yet" keeps its context but never looks like a result.
        self._placeholder = OriginalLayer(images)
        self._placeholder.setParentItem(self)
        self._veil = QGraphicsRectItem(self)
        self._veil.setPen(QPen(Qt.PenStyle.NoPen))
        self._veil.setBrush(QBrush(QColor(0, 0, 0, 120)))
        self.overlay_item = QGraphicsPixmapItem(self)
        self.overlay_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.overlay_item.setZValue(1)
        images.result_changed.connect(self._on_result_changed)
        images.original_changed.connect(self._on_result_changed)
        images.overlay_changed.connect(self._on_overlay_changed)
        self._on_result_changed()
        self._on_overlay_changed()

    @property
    def pixmap_items(self) -> list[QGraphicsPixmapItem]:
        return list(self._children)

    def _on_result_changed(self) -> None:
        for child in self._children:
            child.setParentItem(None)
            if child.scene() is not None:
                child.scene().removeItem(child)
        self._children = []
        size = self._images.size
        if not self._clip:  # the split view owns the clip rectangle
            self.setRect(QRectF(0, 0, size.width(), size.height()))
        self._veil.setRect(QRectF(0, 0, size.width(), size.height()))
        waiting = self._images.result is None and not self._images.empty
        self._veil.setVisible(waiting)
        self._placeholder.set_active(waiting)
        if self._images.result is not None:
            self._add(self._images.result, 0, 0)
        for rect, pixmap in self._images.previews:      # a re-run's previews lie over the old result
            self._add(pixmap, rect.x(), rect.y())

    def _on_overlay_changed(self) -> None:
        overlay = self._images.overlay
        self.overlay_item.setVisible(overlay is not None)
        if overlay is not None:
            self.overlay_item.setPixmap(overlay)
            self.overlay_item.setScale(self._images.size.width() / max(1, overlay.width()))

    def _add(self, pixmap, x: float, y: float) -> None:
        item = QGraphicsPixmapItem(pixmap, self)
        item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        item.setPos(x, y)
        self._children.append(item)
