"""The goal page's choice of the model a fine-tune starts from: the user's library (bundled models and
earlier fine-tunes), or an untrained network; what the chosen one is, below it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from core.models.library import list_models

UNTRAINED = "None \u2014 start from an untrained network"
UNTRAINED_DETAILS = ("Trains the paper's SRResNet from random weights: needs many more steps and photos than "
                     "fine-tuning an existing model.")


class BaseModelPicker(QWidget):
    """A model list and a line about the chosen one; `path()` is None for an untrained network."""

    changed = Signal()

    def __init__(self, preferred: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preferred = preferred
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.currentIndexChanged.connect(self._on_chosen)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.combo)
        layout.addWidget(self.details)

    def path(self) -> Path | None:
        return self.combo.currentData()

    def title(self) -> str:
        """The chosen model's name as listed ("" for an untrained network)."""
        return self.combo.currentText() if self.path() is not None else ""

    def refresh(self) -> None:
        """List the library again (a fine-tune may have added a model), keeping the choice."""
        current = self.path() or self._preferred
        self.combo.blockSignals(True)
        self.combo.clear()
        entries, _problems = list_models()
        for entry in entries:
            self.combo.addItem(entry.info.display_name + (" (bundled)" if entry.bundled else ""), entry.path)
        self.combo.addItem(UNTRAINED, None)
        index = self.combo.findData(current) if current else 0
        self.combo.setCurrentIndex(max(0, index))
        self.combo.blockSignals(False)
        self.details.setText(_details(self.path()))

    def _on_chosen(self) -> None:
        self.details.setText(_details(self.path()))
        self.changed.emit()


def _details(path: Path | None) -> str:
    if path is None:
        return UNTRAINED_DETAILS
    entries, _ = list_models()
    info = next((e.info for e in entries if e.path == path), None)
    if info is None:
        return ""
    return " \u00b7 ".join([f"{info.scale}x", *([info.description] if info.description else [])])
