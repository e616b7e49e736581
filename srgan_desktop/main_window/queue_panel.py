"""The list of dropped images: waiting, running (with percentage), done, failed.

Clicking a finished image shows it in the viewer again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from srgan_desktop.main_window.upscale_queue import QueueEntry, UpscaleQueue

SYMBOLS = {"waiting": "\u23f3", "running": "\u25b6", "done": "\u2714", "failed": "\u2716",
           "cancelled": "\u25a0"}


class QueuePanel(QListWidget):
    show_requested = Signal(int)   # QueueEntry.id

    def __init__(self, queue: UpscaleQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._queue = queue
        self.setMinimumWidth(200)
        self.setAlternatingRowColors(True)
        queue.changed.connect(self._on_queue_changed)
        self.itemActivated.connect(self._on_item_chosen)
        self.itemClicked.connect(self._on_item_chosen)

    def _on_queue_changed(self) -> None:
        self.clear()
        for entry in self._queue.entries:
            item = QListWidgetItem(_text(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(f"{entry.label}\n{entry.detail}" if entry.detail else entry.label)
            self.addItem(item)

    def show_progress(self) -> None:
        """The running image's percentage changed."""
        current = self._queue.current
        if current is None:
            return
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == current.id:
                item.setText(_text(current))

    def _on_item_chosen(self, item: QListWidgetItem) -> None:
        self.show_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))


def _text(entry: QueueEntry) -> str:
    if entry.status == "running":
        state = f"{entry.fraction:.0%}"
    elif entry.status == "done" and entry.result is not None:
        state = f"done in {entry.result.seconds:.1f} s"
    else:
        state = entry.status
    return f"{SYMBOLS.get(entry.status, '')} {entry.label} \u2014 {state}"
