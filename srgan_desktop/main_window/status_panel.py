"""The status bar: what the shown image is, progress (percent + time left), cursor pixel, zoom and device.

Progress arrives per tile; the label repaints from a 100 ms timer so a fast stream of
events never floods the event loop (STYLE.md #4).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QWidget

from core.common.formatting import format_duration
from core.inference.output_size import OutputSize
from srgan_desktop.main_window.upscale_queue import QueueEntry


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left…"
    return f"{format_duration(seconds, rounded=True)} left"


def describe_entry(entry: QueueEntry, output_size: OutputSize | None) -> str:
    """The status line of a shown image: its size and time, what saving will write (the caption names the model)."""
    if entry.result is None:
        return {"running": f"Upscaling {entry.label}…", "waiting": f"{entry.label} is waiting"}.get(
            entry.status, f"{entry.label}: {entry.detail or entry.status}")
    r, ready = entry.result.result, entry.ready
    text = f"{entry.label}: {r.width}\u00d7{r.height} in {entry.result.seconds:.1f} s"
    if output_size is not None and ready is not None:
        width, height = output_size.size_for(ready.original.width(), ready.original.height())
        if (width, height) != (r.width, r.height):
            text += f" \u2014 saves at {width}\u00d7{height} ({output_size.describe()})"
    return text + " \u2014 Ctrl+S to save"


class StatusPanel(QWidget):
    def __init__(self, bar: QStatusBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar = bar
        self.progress_label = QLabel()
        # A long message is cut at the window's edge; it must never widen the window past the screen.
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress_label.setMinimumWidth(120)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.cursor_label = QLabel()
        self.zoom_label = QLabel()
        self.device_label = QLabel()
        self.cursor_label.setMinimumWidth(210)
        self.zoom_label.setMinimumWidth(80)
        bar.addWidget(self.progress_label, 1)
        for widget in (self.progress, self.cursor_label, self.zoom_label, self.device_label):
            bar.addPermanentWidget(widget)
        self._pending: tuple[str, float, float | None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._flush)
        self.set_idle("")

    def set_busy(self, text: str) -> None:
        self.progress.show()
        self._set_text(text)

    def _set_text(self, text: str) -> None:
        self.progress_label.setText(text)
        self.progress_label.setToolTip(text)

    def set_progress(self, label: str, fraction: float, eta: float | None) -> None:
        self._pending = (label, fraction, eta)
        if not self._timer.isActive():
            self._flush()
            self._timer.start()

    def _flush(self) -> None:
        if self._pending is None:
            self._timer.stop()
            return
        label, fraction, eta = self._pending
        self._pending = None
        self.progress.show()
        self.progress.setValue(int(fraction * 1000))
        self._set_text(f"Upscaling {label} \u2014 {fraction:.0%}, {format_eta(eta)}")

    def set_idle(self, text: str) -> None:
        self._pending = None
        self._timer.stop()
        self.progress.hide()
        self.progress.setValue(0)
        self._set_text(text)

    def set_zoom(self, scale: float) -> None:
        self.zoom_label.setText(f"Zoom {scale * 100:.0f}%")

    def set_cursor(self, point: QPointF | None, width: int, height: int, scale: int) -> None:
        if point is None or not (0 <= point.x() < width and 0 <= point.y() < height):
            self.cursor_label.setText("")
            return
        x, y = int(point.x()), int(point.y())
        self.cursor_label.setText(f"x {x}, y {y}  (original {x // scale}, {y // scale})")

    def set_device(self, text: str, used: bool) -> None:
        self.device_label.setText(("Running on: " if used else "Device: ") + text)
