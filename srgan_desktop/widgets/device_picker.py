"""Pick where the network runs: Automatic, each CUDA GPU by name, Apple MPS, or the CPU.

`describe_choice()` says what would actually run (device and precision) so the window can
always show it, plus the notice for a CUDA-capable machine with a CPU-only torch.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from core.common.devices import available_devices, choose_device


class DevicePicker(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Where the network runs")
        for option in available_devices():
            self.addItem(option.label, option.key)

    def current_key(self) -> str:
        return str(self.currentData() or "auto")

    def select(self, key: str) -> None:
        index = self.findData(key)
        self.setCurrentIndex(index if index >= 0 else 0)


def describe_choice(device: str, precision: str) -> tuple[str, str]:
    """(what will run, e.g. "CPU (2 threads) \u00b7 fp32", notice or "")."""
    try:
        choice = choose_device(device, precision)
    except ValueError as exc:
        return "unavailable", str(exc)
    return f"{choice.description} \u00b7 {choice.precision}", choice.notice
