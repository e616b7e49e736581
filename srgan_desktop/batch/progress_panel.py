"""Overall and per-file progress of a running batch, repainted at most ten times a second."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from core.batch.runner import BatchProgress
from core.common.formatting import format_count, format_duration

STEPS = 1000
REPAINT_MS = 100


class BatchProgressPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.overall = QProgressBar()
        self.overall.setRange(0, STEPS)
        self.overall_label = QLabel("")
        self.file = QProgressBar()
        self.file.setRange(0, STEPS)
        self.file_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overall_label)
        layout.addWidget(self.overall)
        layout.addWidget(self.file_label)
        layout.addWidget(self.file)
        self._latest: BatchProgress | None = None
        self._paused = False
        self._timer = QTimer(self)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self._on_repaint)

    def start(self) -> None:
        self._latest, self._paused = None, False
        self.overall.setValue(0)
        self.file.setValue(0)
        self.overall_label.setText("Starting…")
        self.file_label.setText("")
        self._timer.start()

    def show_progress(self, progress: BatchProgress) -> None:
        """Called for every event; only the newest is painted, on the timer."""
        self._latest = progress

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self._on_repaint()

    def stop(self, text: str) -> None:
        self._timer.stop()
        self._on_repaint()
        self.overall_label.setText(text)
        self.file_label.setText("")
        self.file.setValue(0)

    def _on_repaint(self) -> None:
        p = self._latest
        if p is None:
            return
        percent = _show_fraction(self.overall, p.fraction)
        words = [f"{percent}%", f"{p.images_done} of {p.images_total} files"]
        if p.pixels_per_second:
            words.append(f"{format_count(p.pixels_per_second)} pixels/s")
        if self._paused:
            words.append("paused")
        else:
            words.append("estimating the time left" if p.eta_seconds is None
                         else f"{format_duration(p.eta_seconds, rounded=True)} left")
        self.overall_label.setText("  ·  ".join(words))
        _show_fraction(self.file, p.file_fraction)
        self.file_label.setText(f"Now: {p.current.name}" if p.current else "")


def _show_fraction(bar: QProgressBar, fraction: float) -> int:
    """Set the bar and return the whole percent it shows, so the label and the bar never disagree."""
    percent = int(min(1.0, max(0.0, fraction)) * 100)
    bar.setValue(int(min(1.0, max(0.0, fraction)) * STEPS))
    bar.setFormat(f"{percent}%")
    return percent
