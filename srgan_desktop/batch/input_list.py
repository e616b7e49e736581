"""The list of files and folders a batch will read; accepts drag-and-drop from the file manager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QAbstractItemView, QFileIconProvider, QListWidget, QListWidgetItem

PATH_ROLE = Qt.ItemDataRole.UserRole


class BatchInputList(QListWidget):
    """Paths the user chose, without duplicates; `changed` fires whenever the set changes."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setToolTip("Drop image files or folders here")
        self._icons = QFileIconProvider()

    def paths(self) -> list[Path]:
        return [Path(self.item(i).data(PATH_ROLE)) for i in range(self.count())]

    def add_paths(self, paths: list[Path]) -> None:
        known = {str(p) for p in self.paths()}
        added = False
        for path in paths:
            if str(path) in known:
                continue
            known.add(str(path))
            icon: QIcon = self._icons.icon(
                QFileIconProvider.IconType.Folder if path.is_dir() else QFileIconProvider.IconType.File)
            item = QListWidgetItem(icon, str(path))
            item.setData(PATH_ROLE, str(path))
            self.addItem(item)
            added = True
        if added:
            self.changed.emit()

    def remove_selected(self) -> None:
        rows = sorted((self.row(item) for item in self.selectedItems()), reverse=True)
        for row in rows:
            self.takeItem(row)
        if rows:
            self.changed.emit()

    def clear_paths(self) -> None:
        if self.count():
            self.clear()
            self.changed.emit()

    # Drops carry local file URLs; anything else (text, web links) is not ours.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if _local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = _local_paths(event)
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()
        else:
            event.ignore()


def _local_paths(event) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
