"""How long a fine-tune may take: the presets (`core.finetune.budget.BUDGET_PRESETS`) or a custom time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QRadioButton, QSpinBox, QWidget

from core.finetune.budget import BUDGET_PRESETS

UNITS = (("minutes", 1.0), ("hours", 60.0))
CUSTOM_DEFAULT = (30, "minutes")
MAX_CUSTOM_MINUTES = 7 * 24 * 60


class BudgetPicker(QWidget):
    """One row of choices, the first preset (15 minutes) checked; `minutes()` is the budget."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self._group = QButtonGroup(self)
        self.presets: list[tuple[QRadioButton, float]] = []
        for label, minutes in BUDGET_PRESETS:
            button = QRadioButton(label)
            self._group.addButton(button)
            self.presets.append((button, minutes))
            row.addWidget(button)
        self.custom = QRadioButton("Custom:")
        self._group.addButton(self.custom)
        row.addWidget(self.custom)
        self.custom_value = QSpinBox()
        self.custom_value.setRange(1, 999)
        self.custom_value.setValue(CUSTOM_DEFAULT[0])
        self.custom_unit = QComboBox()
        for label, factor in UNITS:
            self.custom_unit.addItem(label, factor)
        row.addWidget(self.custom_value)
        row.addWidget(self.custom_unit)
        row.addStretch(1)
        self.presets[0][0].setChecked(True)
        self._group.buttonToggled.connect(self._on_choice_toggled)
        self.custom_value.valueChanged.connect(self._on_custom_edited)
        self.custom_unit.currentIndexChanged.connect(self._on_custom_edited)

    def minutes(self) -> float:
        for button, minutes in self.presets:
            if button.isChecked():
                return minutes
        return min(MAX_CUSTOM_MINUTES, self.custom_value.value() * self.custom_unit.currentData())

    def set_custom(self, value: int, unit: str = "minutes") -> None:
        """Choose a custom time (`unit`: "minutes" or "hours")."""
        self.custom_unit.setCurrentIndex(max(0, self.custom_unit.findText(unit)))
        self.custom_value.setValue(value)
        self.custom.setChecked(True)

    def _on_choice_toggled(self, _button, checked: bool) -> None:
        if checked:
            self.changed.emit()

    def _on_custom_edited(self) -> None:
        """Editing the custom time chooses it."""
        if self.custom.isChecked():
            self.changed.emit()
        else:
            self.custom.setChecked(True)
