"""Original (or, comparing models, the other model's result) on the left, result on the right.

Zoom and pan are locked through one controller; each side is captioned with what it shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from srgan_desktop.viewer.image_pane import ImagePane
from srgan_desktop.viewer.images import ViewerImages
from srgan_desktop.viewer.pane_layers import OriginalLayer, ResultLayer
from srgan_desktop.viewer.zoom import ZoomController


class SideBySideView(QWidget):
    def __init__(self, images: ViewerImages, controller: ZoomController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = images
        self.left = ImagePane(controller)
        self.right = ImagePane(controller)
        self.original_layer = OriginalLayer(images, before=True)
        self.result_layer = ResultLayer(images)
        self.left.scene().addItem(self.original_layer)
        self.right.scene().addItem(self.result_layer)
        self._left_caption = _caption("")
        self._right_caption = _caption("Result")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(_column(self._left_caption, self.left), 1)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Plain)
        layout.addWidget(divider)
        layout.addLayout(_column(self._right_caption, self.right), 1)
        images.filter_changed.connect(self._on_images_changed)
        images.original_changed.connect(self._on_images_changed)
        images.result_changed.connect(self._on_images_changed)
        images.compare_changed.connect(self._on_images_changed)
        self._on_images_changed()

    @property
    def panes(self) -> list[ImagePane]:
        return [self.left, self.right]

    def _on_images_changed(self) -> None:
        images = self._images
        self._left_caption.setText(images.before_label())
        name = images.after_label()
        if images.previews:
            self._right_caption.setText(f"{name} \u2014 preview of the visible area; the whole image follows")
        elif images.result is None and not images.empty:
            self._right_caption.setText(f"{name} \u2014 in progress")
        else:
            self._right_caption.setText(name)
        for pane in self.panes:
            pane.refresh()


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setContentsMargins(4, 3, 4, 3)
    return label


def _column(caption: QLabel, pane: ImagePane) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(0)
    column.addWidget(caption)
    column.addWidget(pane, 1)
    return column
