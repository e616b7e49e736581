"""The goal page's advanced settings: the recipe's values (`core.finetune.recipe`), each of which
the user may change, and what the plan and the hold-out rule decided, for reading.

Every value shows the recipe's choice for the chosen device until the user changes it; `changed()`
holds only what differs from the recipe (empty: all recommended), which is what the wizard
remembers, and "Use Recommended" forgets it. The time budget, not a step count, decides how long
training runs; the plan's step count and checks are shown here read-only.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.common.devices import available_devices
from core.finetune.budget import BudgetPlan
from core.finetune.recipe import FineTuneRecipe, recipe_for

# No "automatic" entry: the recipe recommends Off in both modes (a 500-step average stays 60% the base).
EMA_CHOICES = (("Off", False), ("On", True))
PRECISION_CHOICES = (("Automatic (fastest safe)", "auto"), ("Full precision (fp32)", "fp32"))
RECIPE_KEYS = ("batch_size", "crop_size", "lr", "realistic_lr", "lr_drop_at", "ema")
MUTED = "color: palette(placeholder-text);"


class AdvancedSettings(QWidget):
    """A form of the recipe's values for the chosen device; edits are kept as changes to it."""

    changed = Signal()         # a value changed (the page measures or re-plans)

    def __init__(self, default_device: str = "auto", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._default_device = default_device
        self._changes: dict[str, Any] = {}
        self._mode = "faithful"
        self._build()
        self._show_values()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 4, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)   # only the notes
        self.batch = _spin(1, 256, 1, "Crops per step. Larger batches need more memory.")
        self.crop = _spin(32, 512, 16, "Edge of each training crop in pixels (a multiple of 16).")
        self.crop.setSuffix(" px")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1e-2)
        self.lr.setSingleStep(1e-5)
        self.lr.setMinimumWidth(140)
        self.lr.setToolTip("Adam's learning rate; each goal has its own.")
        self.lr_drop = _spin(0, 100, 5, "When the learning rate drops 10x for the final polish.")
        self.lr_drop.setSuffix(" % of the run")
        self.lr_drop.setSpecialValueText("Never")
        self.ema = _combo(EMA_CHOICES, "Average the weights over recent steps for a calmer result.")
        self.precision = _combo(PRECISION_CHOICES, "Automatic uses half precision where the device is fast at it.")
        self.device = _combo([(o.label, o.key) for o in available_devices()], "Where training runs.")
        self.schedule_label = _muted("")
        self.held_out_label = _muted("")
        self.degradation_label = _muted("")
        form.addRow("Batch size:", self.batch)
        form.addRow("Crop size:", self.crop)
        form.addRow("Learning rate:", self.lr)
        form.addRow("Lower it 10x after:", self.lr_drop)
        form.addRow("Weight averaging (EMA):", self.ema)
        form.addRow("Precision:", self.precision)
        form.addRow("Device:", self.device)
        form.addRow("Schedule:", self.schedule_label)
        form.addRow("Held-out photos:", self.held_out_label)
        form.addRow("Training crops:", self.degradation_label)
        outer.addLayout(form)
        row = QHBoxLayout()
        self.state_label = _muted("")
        self.recommended_button = QPushButton("Use Recommended")
        self.recommended_button.clicked.connect(self._on_use_recommended)
        row.addWidget(self.state_label, 1)
        row.addWidget(self.recommended_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(row)
        self.batch.valueChanged.connect(lambda v: self._on_edited("batch_size", v))
        self.crop.valueChanged.connect(lambda v: self._on_edited("crop_size", max(32, v // 16 * 16)))
        self.lr.valueChanged.connect(lambda v: self._on_edited(self._lr_key(), v))
        self.lr_drop.valueChanged.connect(lambda v: self._on_edited("lr_drop_at", v / 100 if v else None))
        self.ema.currentIndexChanged.connect(lambda _i: self._on_edited("ema", self.ema.currentData()))
        self.precision.currentIndexChanged.connect(
            lambda _i: self._on_edited("precision", self.precision.currentData()))
        self.device.currentIndexChanged.connect(lambda _i: self._on_edited("device", self.device.currentData()))

    # -- what the page reads ------------------------------------------------------------------------
    @property
    def device_key(self) -> str:
        return str(self._changes.get("device", self._default_device))

    @property
    def precision_key(self) -> str:
        return str(self._changes.get("precision", "auto"))

    def recipe(self) -> FineTuneRecipe:
        """The device's recipe with the user's changes (the rate of each goal is its own), its crop
        no larger than the photos allow."""
        recipe = replace(self._recommended(), **{k: v for k, v in self._changes.items() if k in RECIPE_KEYS})
        return replace(recipe, crop_size=min(recipe.crop_size, self.crop.maximum() // 16 * 16))

    def changed_values(self) -> dict[str, Any]:
        """What differs from the recipe (what the wizard remembers); empty when all is recommended."""
        return dict(self._changes)

    def summary(self) -> str:
        """One line for the collapsed section."""
        r = self.recipe()
        values = (f"batch {r.batch_size}, {r.crop_size} px crops, learning rate {r.lr_for(self._mode):g}, "
                  f"{self.device.currentText()}")
        return f"Changed from the recommended: {values}" if self._changes else f"Recommended: {values}"

    # -- what the page sets -------------------------------------------------------------------------
    def restore(self, changes: dict[str, Any]) -> None:
        """Bring back remembered changes; any that no longer fit this computer or the recipe are dropped."""
        kept: dict[str, Any] = {}
        if self.device.findData(changes.get("device")) >= 0:
            kept["device"] = changes["device"]
        if changes.get("precision") in dict((v, k) for k, v in PRECISION_CHOICES):
            kept["precision"] = changes["precision"]
        recipe = recipe_for(str(kept.get("device", self._default_device)))
        for key in RECIPE_KEYS:
            if key in changes and _fits(recipe, key, changes[key]):
                kept[key] = changes[key]
        self._changes = kept
        self._show_values()

    def set_mode(self, mode: str) -> None:
        """The learning rate row shows the rate of `mode` ("faithful" or "realistic")."""
        self._mode = mode
        self._show_values()

    def set_max_crop(self, edge: int) -> None:
        """The crop cannot exceed the smallest photo's edge."""
        self.crop.setMaximum(max(self.crop.minimum(), edge))
        self._show_values()

    def show_context(self, plan: BudgetPlan | None, held_out: int, usable: int, degradation: str) -> None:
        """The read-only rows: the plan's schedule, the hold-out rule's count, the crops' degradation."""
        if plan is None:
            self.schedule_label.setText("Set by the time budget once the speed is known.")
        else:
            s = plan.schedule
            self.schedule_label.setText(f"{s.steps:,} steps (from the time budget); the held-out photos are "
                                        f"checked every {s.val_every:,} steps, and a checkpoint is written "
                                        f"every {s.checkpoint_every:,}.")
        self.held_out_label.setText(f"{held_out} of {usable} photos, never trained on (one in five, at most "
                                    "five; the same ones in every run on this folder).")
        self.degradation_label.setText(degradation)

    # -- internals -----------------------------------------------------------------------------------
    def _recommended(self) -> FineTuneRecipe:
        return recipe_for(self.device_key)

    def _lr_key(self) -> str:
        return "realistic_lr" if self._mode == "realistic" else "lr"

    def _on_edited(self, key: str, value: Any) -> None:
        if key in RECIPE_KEYS:
            recommended = getattr(recipe_for(self.device_key), key)
        else:
            recommended = {"device": self._default_device, "precision": "auto"}[key]
        if _same(value, recommended):
            self._changes.pop(key, None)
        else:
            self._changes[key] = value
        if key == "device":                 # another device brings its own recipe
            self._show_values()
        self._show_state()
        self.changed.emit()

    def _on_use_recommended(self) -> None:
        self._changes = {}
        self._show_values()
        self.changed.emit()

    def _show_values(self) -> None:
        r = self.recipe()
        editors = (self.batch, self.crop, self.lr, self.lr_drop, self.ema, self.precision, self.device)
        for editor in editors:
            editor.blockSignals(True)
        self.batch.setValue(r.batch_size)
        self.crop.setValue(r.crop_size)
        self.lr.setValue(r.lr_for(self._mode))
        self.lr_drop.setValue(round(100 * r.lr_drop_at) if r.lr_drop_at else 0)
        self.ema.setCurrentIndex(max(0, self.ema.findData(r.ema)))
        self.precision.setCurrentIndex(max(0, self.precision.findData(self.precision_key)))
        self.device.setCurrentIndex(max(0, self.device.findData(self.device_key)))
        for editor in editors:
            editor.blockSignals(False)
        self._show_state()

    def _show_state(self) -> None:
        names = {"batch_size": "batch size", "crop_size": "crop size", "lr": "faithful learning rate",
                 "realistic_lr": "photo-realistic learning rate", "lr_drop_at": "rate drop", "ema": "EMA",
                 "precision": "precision", "device": "device"}
        if self._changes:
            listed = ", ".join(names[k] for k in names if k in self._changes)
            self.state_label.setText(f"Changed from the recommended values: {listed}.")
        else:
            self.state_label.setText("All values are the recommended ones for this device.")
        self.recommended_button.setEnabled(bool(self._changes))


def _fits(recipe: FineTuneRecipe, key: str, value: Any) -> bool:
    """Whether a remembered value is one the recipe accepts (a settings file anyone can edit)."""
    if key == "ema":
        ok = value in (True, False)
    elif key in ("batch_size", "crop_size"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = (value is None and key == "lr_drop_at") or (isinstance(value, (int, float))
                                                         and not isinstance(value, bool))
    try:
        return ok and bool(replace(recipe, **{key: value}))
    except (TypeError, ValueError):
        return False


def _same(value: Any, recommended: Any) -> bool:
    if isinstance(value, float) and isinstance(recommended, float):
        return math.isclose(value, recommended, rel_tol=1e-6)
    return value == recommended


def _spin(low: int, high: int, step: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setMinimumWidth(140)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    return spin


def _combo(items, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setMinimumWidth(240)
    for label, data in items:
        combo.addItem(label, data)
    combo.setToolTip(tip)
    return combo


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(MUTED)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label
