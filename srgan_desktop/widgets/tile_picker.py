"""Pick the tile size (input pixels per edge): Automatic bounds memory by device."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

TILE_SIZES = (128, 192, 256, 384, 512, 768, 1024)


class TilePicker(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Tile size in input pixels. Automatic keeps memory bounded; on a GPU that "
                        "runs out of memory the tile is halved and the image retried.")
        self.addItem("Automatic", 0)
        for size in TILE_SIZES:
            self.addItem(f"{size} px", size)

    def current_tile(self) -> int | None:
        value = int(self.currentData() or 0)
        return value or None

    def select(self, tile: int | None) -> None:
        index = self.findData(int(tile or 0))
        self.setCurrentIndex(index if index >= 0 else 0)
