"""The list of dropped images: waiting, running (with percentage), done, failed.

Clicking a finished image shows it in the viewer again. Each row has a status icon drawn here
(a font may lack the hourglass and check-mark glyphs; a painted icon always shows), and long
names are shortened in the middle instead of hiding behind a horizontal scrollbar.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from srgan_desktop.main_window.upscale_queue import QueueEntry, UpscaleQueue

ICON_SIZE = 16
COLORS = {"waiting": "#8a8f98", "running": "#2f6fde", "done": "#2e9d4f", "failed": "#c62828",
          "cancelled": "#8a8f98"}


def status_icon(status: str) -> QIcon:
    """A small painted icon: a clock (waiting), a play triangle, a check mark, a cross, a square."""
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(COLORS.get(status, "#8a8f98"))
    painter.setPen(QPen(color, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    if status == "waiting":
        painter.drawEllipse(QRectF(2, 2, 12, 12))
        painter.drawPolyline(QPolygonF([QPointF(8, 4.5), QPointF(8, 8), QPointF(10.5, 9.5)]))
    elif status == "running":
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([QPointF(4, 2.5), QPointF(13, 8), QPointF(4, 13.5)]))
    elif status == "done":
        painter.drawPolyline(QPolygonF([QPointF(3, 8.5), QPointF(6.5, 12), QPointF(13, 4)]))
    elif status == "failed":
        path = QPainterPath()
        path.moveTo(4, 4), path.lineTo(12, 12), path.moveTo(12, 4), path.lineTo(4, 12)
        painter.drawPath(path)
    else:
        painter.setBrush(color)
        painter.drawRect(QRectF(4, 4, 8, 8))
    painter.end()
    return QIcon(pixmap)


class QueuePanel(QListWidget):
    show_requested = Signal(int)   # QueueEntry.id

    def __init__(self, queue: UpscaleQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._queue = queue
        self._icons = {status: status_icon(status) for status in COLORS}
        self.setMinimumWidth(200)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)
        queue.changed.connect(self._on_queue_changed)
        self.itemActivated.connect(self._on_item_chosen)
        self.itemClicked.connect(self._on_item_chosen)

    def _on_queue_changed(self) -> None:
        self.clear()
        for entry in self._queue.entries:
            item = QListWidgetItem(self._icons.get(entry.status, QIcon()), _text(entry))
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
    return f"{entry.label} \u2014 {state}"
