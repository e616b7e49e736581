"""The goal page's advanced settings: steps, batch, crop, learning rate, EMA, precision, device."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from core.common.devices import available_devices
from core.finetune.recipe import FineTuneRecipe, device_kind, recipe_for

# Steps per device until the goal page asks for a time budget instead (core.finetune.budget).
DEFAULT_STEPS = {"cuda": 10_000, "mps": 3_000, "cpu": 500}
EMA_CHOICES = (("Automatic (on for photo-realistic)", None), ("On", True), ("Off", False))
PRECISION_CHOICES = (("Automatic (fastest safe)", "auto"), ("Full precision (fp32)", "fp32"))


@dataclass(frozen=True)
class AdvancedValues:
    steps: int
    batch_size: int
    crop_size: int
    lr: float
    ema: bool | None
    precision: str
    device: str


class AdvancedSettings(QWidget):
    """A form of the training knobs, pre-filled with defaults for this computer."""

    changed = Signal()         # something that changes the time per step
    steps_changed = Signal()   # only the number of steps

    def __init__(self, device: str = "auto", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(24, 4, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.steps = _spin(1, 1_000_000, 100, "Training steps: more steps learn more and take longer.")
        self.batch = _spin(1, 256, 1, "Crops per step. Larger batches need more memory.")
        self.crop = _spin(32, 512, 16, "Edge of each training crop in pixels (a multiple of 16).")
        self.crop.setSuffix(" px")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1e-2)
        self.lr.setSingleStep(1e-5)
        self.lr.setValue(recipe_for(device).lr)
        self.lr.setMinimumWidth(140)
        self.lr.setToolTip("Adam learning rate (the recipe's: 0.0002 for faithful, 0.0001 for photo-realistic).")
        self.ema = _combo(EMA_CHOICES, "Average the weights over recent steps for a calmer result.")
        self.precision = _combo(PRECISION_CHOICES, "Automatic uses half precision where the device is "
                                                   "fast at it.")
        self.device = _combo([(o.label, o.key) for o in available_devices()], "Where training runs.")
        index = self.device.findData(device)
        self.device.setCurrentIndex(max(0, index))
        form.addRow("Steps:", self.steps)
        form.addRow("Batch size:", self.batch)
        form.addRow("Crop size:", self.crop)
        form.addRow("Learning rate:", self.lr)
        form.addRow("Weight averaging (EMA):", self.ema)
        form.addRow("Precision:", self.precision)
        form.addRow("Device:", self.device)
        self.steps.valueChanged.connect(self.steps_changed)  # no new measurement needed
        for spin in (self.batch, self.crop):
            spin.valueChanged.connect(self.changed)
        self.lr.valueChanged.connect(self.changed)
        for combo in (self.ema, self.precision, self.device):
            combo.currentIndexChanged.connect(self.changed)
        self.device.currentIndexChanged.connect(self._on_device_changed)

    def summary(self) -> str:
        """One line for the collapsed section: "500 steps, batch 4, 96 px crops, CPU"."""
        v = self.values()
        return (f"{v.steps:,} steps, batch {v.batch_size}, {v.crop_size} px crops, "
                f"{self.device.currentText()}")

    def apply_recommended(self, device: str) -> None:
        """The recipe's batch and crop for `device` (core.finetune.recipe), and its step count."""
        recipe = recipe_for(device)
        self.steps.setValue(DEFAULT_STEPS.get(device_kind(device), DEFAULT_STEPS["cpu"]))
        self.batch.setValue(recipe.batch_size)
        self.crop.setValue(min(recipe.crop_size, self.crop.maximum()))

    def recipe(self, mode: str) -> FineTuneRecipe:
        """The device's recipe with what this form changed: batch, crop, EMA, and the rate of `mode`."""
        v = self.values()
        recipe = replace(recipe_for(v.device), batch_size=v.batch_size, crop_size=v.crop_size, ema=v.ema)
        return replace(recipe, realistic_lr=v.lr) if mode == "realistic" else replace(recipe, lr=v.lr)

    def show_rate_of(self, mode: str) -> None:
        """Put the recipe's learning rate for `mode` in the form (each mode has its own)."""
        self.lr.setValue(recipe_for(self.device.currentData()).lr_for(mode))

    def _on_device_changed(self) -> None:
        """A different device deserves its own defaults (a GPU's 10k steps would take days on a CPU)."""
        self.apply_recommended(self.device.currentData())

    def set_max_crop(self, edge: int) -> None:
        """The crop cannot exceed the smallest photo's edge."""
        self.crop.setMaximum(max(self.crop.minimum(), edge))

    def values(self) -> AdvancedValues:
        crop = max(32, self.crop.value() // 16 * 16)
        return AdvancedValues(steps=self.steps.value(), batch_size=self.batch.value(), crop_size=crop,
                              lr=self.lr.value(), ema=self.ema.currentData(),
                              precision=self.precision.currentData(), device=self.device.currentData())


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
