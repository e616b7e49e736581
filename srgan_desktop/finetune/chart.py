"""A live line chart that takes points as fast as training reports them and repaints ~10x/s.

Training may report every step (hundreds per second with small networks); repainting a
QChart per point would freeze the window. Points are buffered and appended in one batch on
a 100 ms timer, and each series is thinned once it grows long, so a 100k-step run still
draws quickly.
"""

from __future__ import annotations

import math

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QLogValueAxis, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

REPAINT_MS = 100
MAX_POINTS = 1500          # per series; beyond this every other point is dropped

PALETTE = ("#2f7ed8", "#e4572e", "#43a047", "#8e44ad", "#f4a259", "#607d8b")


class LiveChart(QChartView):
    """One titled chart of named series with a shared step axis."""

    def __init__(self, title: str, series: list[tuple[str, str]], *, log_y: bool = False,
                 y_range: tuple[float, float] | None = None, y_title: str = "",
                 markers: bool = False, smoothing: float = 0.0, nonnegative: bool = False,
                 parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(260, 190)
        chart.setTitle(title)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setBackgroundRoundness(6)
        self._log_y = log_y
        self._markers = markers  # sparse series (validation) need visible points
        # Per-step losses are noisy; an exponential moving average shows the trend (TensorBoard-style).
        self._smoothing = smoothing
        self._smoothed: dict[str, float] = {}
        self._nonnegative = nonnegative
        self._fixed_y = y_range
        self._x_axis = QValueAxis()
        self._x_axis.setLabelFormat("%d")
        self._x_axis.setTitleText("step")
        self._x_axis.setRange(0, 1)
        self._y_axis = QLogValueAxis() if log_y else QValueAxis()
        self._y_axis.setLabelFormat("%.3g")
        if y_title:
            self._y_axis.setTitleText(y_title)
        chart.addAxis(self._x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self._y_axis, Qt.AlignmentFlag.AlignLeft)
        self._series: dict[str, QLineSeries] = {}
        self._points: dict[str, list[QPointF]] = {}
        self._pending: dict[str, list[QPointF]] = {}
        self._x_max = 1.0
        for key, label in series:
            self._ensure_series(key, label)
        if y_range:
            self._y_axis.setRange(*y_range)
        self._timer = QTimer(self)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    # -- feeding ------------------------------------------------------------------------------
    def add_point(self, key: str, x: float, y: float, label: str | None = None) -> None:
        """Queue one point; it is drawn at the next repaint tick."""
        if not math.isfinite(y) or (self._log_y and y <= 0):
            return  # a log axis cannot show zero; NaN never belongs on a chart
        self._ensure_series(key, label or key)
        if self._smoothing and key in self._smoothed:
            y = self._smoothing * self._smoothed[key] + (1.0 - self._smoothing) * y
        self._smoothed[key] = y
        self._pending.setdefault(key, []).append(QPointF(float(x), float(y)))

    def set_x_range(self, maximum: float) -> None:
        self._x_max = max(1.0, float(maximum))
        self._x_axis.setRange(0, self._x_max)

    def truncate_after(self, x: float) -> None:
        """Drop points past step `x` (the run rolled back there)."""
        self.flush()
        for key, points in self._points.items():
            kept = [p for p in points if p.x() <= x]
            if len(kept) != len(points):
                self._points[key] = kept
                self._series[key].replace(kept)
                if kept:
                    self._smoothed[key] = kept[-1].y()
                else:
                    self._smoothed.pop(key, None)
        self._rescale_y()

    def clear(self) -> None:
        self._pending.clear()
        self._smoothed.clear()
        for key in self._points:
            self._points[key] = []
            self._series[key].clear()

    def point_count(self, key: str | None = None) -> int:
        """Points drawn (after the next flush), for one series or all of them."""
        keys = [key] if key else list(self._points)
        return sum(len(self._points.get(k, [])) + len(self._pending.get(k, [])) for k in keys)

    def flush(self) -> None:
        """Append every queued point in one batch per series and rescale the axes."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for key, points in pending.items():
            stored = self._points[key]
            stored.extend(points)
            if len(stored) > MAX_POINTS:
                stored[:] = stored[::2]
                self._series[key].replace(stored)
            else:
                self._series[key].append(points)
            self._x_max = max(self._x_max, points[-1].x())
        self._x_axis.setRange(0, self._x_max)
        self._rescale_y()

    # -- internals ----------------------------------------------------------------------------
    def _ensure_series(self, key: str, label: str) -> None:
        if key in self._series:
            return
        series = QLineSeries()
        series.setName(label)
        pen = QPen(QColor(PALETTE[len(self._series) % len(PALETTE)]))
        pen.setWidthF(1.6)
        series.setPen(pen)
        if self._markers:
            series.setPointsVisible(True)
            series.setMarkerSize(5)
        self.chart().addSeries(series)
        series.attachAxis(self._x_axis)
        series.attachAxis(self._y_axis)
        self._series[key] = series
        self._points[key] = []

    def _rescale_y(self) -> None:
        if self._fixed_y:
            return
        values = [p.y() for points in self._points.values() for p in points]
        if not values:
            return
        low, high = min(values), max(values)
        if self._log_y:
            self._y_axis.setRange(low / 1.5, high * 1.5)
            return
        pad = (high - low) * 0.08 or max(abs(high) * 0.05, 0.01)
        bottom = max(0.0, low - pad) if self._nonnegative else low - pad
        self._y_axis.setRange(bottom, high + pad)
        self._y_axis.applyNiceNumbers()  # ticks at round values (0.004, 0.005, ...)
