"""The detail slider: from the faithful model (0) to the photo-realistic one (1), and the model to blend with.

The slider reports a settled value (`changed`, at most once per `SETTLE_MS` while it is dragged),
so a drag re-renders the image a few times, not once per pixel of travel. Which two models the
ends are, and whether they can be blended, is the form's business (`UpscaleForm`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QWidget

from srgan_desktop.widgets.model_picker import ModelPicker

STEPS = 100
SETTLE_MS = 250


class DetailSlider(QWidget):
    changed = Signal()            # the settled detail value or the partner model changed
    used = Signal()               # the user let go of the slider or picked a partner

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setPageStep(10)
        self.slider.setToolTip("0: the faithful model, which never invents detail; 1: the photo-realistic model, "
                               "which draws plausible texture. Between them, a blend of the two networks.")
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(self.value_label.fontMetrics().horizontalAdvance("0.00") + 4)
        faithful, realistic = QLabel("faithful"), QLabel("photo-realistic")
        for label in (faithful, realistic):
            label.setEnabled(False)                  # drawn in the palette's quiet text colour
        self.partner_picker = ModelPicker()
        self.partner_picker.setToolTip("The other end of the slider: the slider blends the model above with this one")
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b3261e;")
        self.problem_label.hide()
        ends = QHBoxLayout()
        ends.addWidget(faithful)
        ends.addStretch(1)
        ends.addWidget(realistic)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.slider, 0, 0)
        grid.addWidget(self.value_label, 0, 1)
        grid.addLayout(ends, 1, 0)
        grid.addWidget(self.problem_label, 2, 0, 1, 2)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.changed)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.slider.sliderReleased.connect(self.used)
        self.partner_picker.model_changed.connect(self._on_partner_changed)
        self.partner_picker.activated.connect(lambda _index: self.used.emit())
        self._show_value()

    def value(self) -> float:
        """The detail weight, 0..1."""
        return self.slider.value() / STEPS

    def set_value(self, value: float) -> None:
        """Move the slider without reporting a change (restoring a setting, following the model)."""
        self.slider.blockSignals(True)
        self.slider.setValue(round(min(1.0, max(0.0, value)) * STEPS))
        self.slider.blockSignals(False)
        self._show_value()

    def partner_path(self) -> Path | None:
        return self.partner_picker.current_path()

    @property
    def problem(self) -> str:
        """Why the two ends cannot be blended, or ""."""
        return self.problem_label.text()

    def set_problem(self, text: str) -> None:
        """Say why the two ends cannot be blended (the slider is disabled meanwhile); "" clears it."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))
        self.slider.setEnabled(not text)

    def _on_value_changed(self, _value: int) -> None:
        self._show_value()
        if not self._settle.isActive():       # report during a long drag too, at most every SETTLE_MS
            self._settle.start()

    def _on_partner_changed(self, _path) -> None:
        self.changed.emit()

    def _show_value(self) -> None:
        self.value_label.setText(f"{self.value():.2f}")
