"""The training page's preview: a crop of a held-out photo, before and after.

Shows the low-resolution input, the base model's output, the model being trained and the
original side by side, so the user sees what the training changes (not just numbers).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

TILE_EDGE = 180  # on-screen pixels per preview image


def array_to_qimage(array: np.ndarray) -> QImage:
    """HxWx3 (or HxW) float in [0, 1] -> an RGB888 QImage that owns its pixels."""
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    pixels = np.ascontiguousarray((np.clip(array[:, :, :3], 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class _Tile(QWidget):
    """One captioned image of the preview."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.image = QLabel()
        self.image.setFixedSize(TILE_EDGE, TILE_EDGE)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("background: palette(base); border: 1px solid palette(mid);")
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.image)
        layout.addWidget(self.caption)

    def show_array(self, array: np.ndarray | None, enlarge_to: tuple[int, int] | None = None) -> None:
        if array is None:
            self.image.setText("\u2014")
            return
        pixmap = QPixmap.fromImage(array_to_qimage(array))
        if enlarge_to:  # the LR input, blown up with hard pixels so its lack of detail shows
            pixmap = pixmap.scaled(*enlarge_to, Qt.AspectRatioMode.IgnoreAspectRatio,
                                   Qt.TransformationMode.FastTransformation)
        self.image.setPixmap(pixmap.scaled(TILE_EDGE, TILE_EDGE, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))


class PreviewPanel(QWidget):
    """Four captioned images refreshed whenever the trainer sends a preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("<b>Preview</b> (a held-out photo)")
        layout.addWidget(self.heading)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.input_tile = _Tile("Low-resolution input")
        self.base_tile = _Tile("Base model")
        self.current_tile = _Tile("Being trained")
        self.original_tile = _Tile("Original")
        tiles = (self.input_tile, self.original_tile, self.base_tile, self.current_tile)
        for index, tile in enumerate(tiles):
            grid.addWidget(tile, index // 2, index % 2)
            tile.show_array(None)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.updates = 0

    def show_saved(self, step: int, image: QImage) -> None:
        """A stored run's last preview (its record keeps only the trained model's crop)."""
        self.current_tile.image.setPixmap(QPixmap.fromImage(image).scaled(
            TILE_EDGE, TILE_EDGE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        self.current_tile.caption.setText(f"Being trained (step {step:,})")
        self.updates += 1

    def show_preview(self, step: int, lr: np.ndarray, sr: np.ndarray, hr: np.ndarray,
                     base_sr: np.ndarray | None) -> None:
        self.input_tile.show_array(lr, enlarge_to=(hr.shape[1], hr.shape[0]))
        self.base_tile.show_array(base_sr)
        self.current_tile.show_array(sr)
        self.current_tile.caption.setText(f"Being trained (step {step:,})")
        self.original_tile.show_array(hr)
        self.updates += 1
