"""Model, device, precision and tile pickers, kept in step with the shared settings.

The pickers are plain widgets (the toolbar places them); this object restores them from
`AppSettings`, writes every change back (the batch window and wizard read the same keys),
says what will actually run, and builds the `UpscaleOptions` for the next image.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox

from core.inference.upscale import UpscaleOptions
from core.models.model_file import ModelFileError
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.device_picker import DevicePicker, describe_choice
from srgan_desktop.widgets.model_picker import ModelPicker
from srgan_desktop.widgets.tile_picker import TilePicker

NO_MODEL_MESSAGE = ("No model is installed: use Upscale > Use a Model File (Ctrl+Shift+M) "
                    "or Tools > Fine-tune on My Photos (Ctrl+T).")


class RunOptions(QObject):
    device_described = Signal(str, str)   # what will run (e.g. "CPU (2 threads) · fp32"), notice or ""
    changed = Signal()                    # the model or how it runs changed

    def __init__(self, settings: AppSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.model_picker = ModelPicker()
        self.device_picker = DevicePicker()
        self.precision_box = QComboBox()
        self.precision_box.addItem("Precision: auto", "auto")
        self.precision_box.addItem("Precision: fp32", "fp32")
        self.precision_box.setToolTip("auto: the fastest safe precision on the device (fp16 on CUDA, "
                                      "bf16 on CPUs with native bf16); fp32: always full precision")
        self.tile_picker = TilePicker()

    def restore(self) -> None:
        """Pick what the settings remember, then follow the user's changes."""
        s = self._settings
        self.device_picker.select(s.device)
        self.precision_box.setCurrentIndex(max(0, self.precision_box.findData(s.precision)))
        self.tile_picker.select(s.tile)
        self.model_picker.model_changed.connect(self._on_model_changed)
        for box in (self.device_picker, self.precision_box, self.tile_picker):
            box.currentIndexChanged.connect(self._on_device_changed)
        self.model_picker.refresh(select=s.model)
        self._on_device_changed()

    def upscale_options(self) -> UpscaleOptions:
        model = self.model_picker.current_path()
        if model is None:
            raise ModelFileError(NO_MODEL_MESSAGE)
        return UpscaleOptions(model=str(model), inference=self._settings.inference_options())

    def _on_model_changed(self, path) -> None:
        self._settings.model = path
        self.changed.emit()

    def _on_device_changed(self, *_args) -> None:
        s = self._settings
        s.device = self.device_picker.current_key()
        s.precision = str(self.precision_box.currentData())
        s.tile = self.tile_picker.current_tile()
        text, notice = describe_choice(s.device, s.precision)
        self.device_described.emit(text, notice)
        self.changed.emit()
