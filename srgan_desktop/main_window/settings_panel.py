"""The main window's settings panel: how images are upscaled (the shared form) and the model to compare with.

A labelled column beside the image instead of a row of toolbar boxes: model names are shown in
full, every picker says what it is, and the panel fits a 1366x768 screen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.model_picker import ModelPicker
from srgan_desktop.widgets.upscale_form import UpscaleForm

PANEL_WIDTH = 300


class SettingsPanel(QWidget):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = UpscaleForm(settings)
        self.compare_picker = ModelPicker()
        self.compare_picker.setToolTip("The second model of View > Compare Two Models (Ctrl+Shift+3): its result "
                                       "is shown beside the chosen model's, zoom and pan locked")
        upscale_box = QGroupBox("Upscale")
        QVBoxLayout(upscale_box).addWidget(self.form)
        compare_box = QGroupBox("Compare two models")
        compare_form = QFormLayout(compare_box)
        compare_form.addRow("Compare with", self.compare_picker)
        hint = QLabel("Ctrl+Shift+3 shows its result beside the chosen model's.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        compare_form.addRow(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(upscale_box)
        layout.addWidget(compare_box)
        layout.addStretch(1)
        self.setMinimumWidth(PANEL_WIDTH)
        self.setMaximumWidth(PANEL_WIDTH + 120)
