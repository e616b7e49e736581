"""How images are upscaled: model, detail slider, output size, device, precision, tile; one labelled form.

The main window (in its settings panel) and the batch window show the same form. It restores
its choices from the shared `AppSettings`, writes every change back, says what will actually
run, and builds the `UpscaleOptions` for the next image: the chosen model alone, or its blend
with the slider's partner (`core.models.blend`), plus the output size.

The slider's two ends are the chosen model and its partner, ordered so that 0 is always the
faithful one: when the chosen model is the photo-realistic one (trained as a GAN), its partner
is the 0 end. Picking a model puts the slider at that model's end, so the result is that model.

The batch window's form also offers "Automatic per image" (`automatic=True`): the options then
name the default model, the batch picks each image's own, and the slider does not apply. The
settings keep a model the user picked, never Automatic (the batch settings remember that) nor
a model the app pre-selected for one image (`preselect`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from core.inference.upscale import UpscaleOptions
from core.models.blend import check_blendable
from core.models.library import list_models
from core.models.model_file import ModelFileError, ModelInfo, read_model_info
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.detail_slider import DetailSlider
from srgan_desktop.widgets.device_picker import DevicePicker, describe_choice
from srgan_desktop.widgets.model_picker import ModelPicker
from srgan_desktop.widgets.output_size_picker import OutputSizePicker
from srgan_desktop.widgets.tile_picker import TilePicker

NO_MODEL_MESSAGE = ("No model is installed: use Upscale > Use a Model File (Ctrl+Shift+M) "
                    "or Tools > Fine-tune on My Photos (Ctrl+T).")
DEFAULT_PAIR = ("srresnet-x4", "srgan-x4")     # the bundled faithful and photo-realistic models


def is_photo_realistic(info: ModelInfo) -> bool:
    """Trained with the adversarial (GAN) phase: it draws texture the input does not contain."""
    return info.provenance.get("phase") == "gan"


class UpscaleForm(QWidget):
    changed = Signal()                    # the model, the detail or how it runs changed: results differ
    output_changed = Signal()             # only the output size changed
    device_described = Signal(str, str)   # what will run (e.g. "CPU (2 threads) · fp32"), notice or ""
    used = Signal()                       # a control was used: the window may take the keyboard back

    def __init__(self, settings: AppSettings, parent: QWidget | None = None, with_device: bool = True,
                 automatic: bool = False) -> None:
        """`with_device=False` leaves out the device, precision and tile rows (they still follow the settings);
        `automatic=True` offers "Automatic per image" first in the model picker (the batch window)."""
        super().__init__(parent)
        self._settings = settings
        self.model_picker = ModelPicker(automatic=automatic)
        self.detail = DetailSlider()
        self.output_size = OutputSizePicker()
        self.device_picker = DevicePicker()
        self.precision_box = QComboBox()
        self.precision_box.addItem("Automatic", "auto")
        self.precision_box.addItem("fp32 (full)", "fp32")
        self.precision_box.setToolTip("Automatic: the fastest safe precision on the device (fp16 on CUDA, "
                                      "bf16 on CPUs with native bf16); fp32: always full precision")
        self.tile_picker = TilePicker()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Model", self.model_picker)
        self.form.addRow("Detail", self.detail)
        self.form.addRow("Blend with", self.detail.partner_picker)
        self.form.addRow("Output size", self.output_size)
        self.form.addRow("Device", self.device_picker)
        self.form.addRow("Precision", self.precision_box)
        self.form.addRow("Tile", self.tile_picker)
        for field in (self.device_picker, self.precision_box, self.tile_picker):
            self.form.setRowVisible(field, with_device)
        for box in (self.model_picker, self.device_picker, self.precision_box, self.tile_picker):
            box.activated.connect(lambda _index: self.used.emit())
        self.detail.used.connect(self.used)
        self.output_size.used.connect(self.used)

    # -- settings ---------------------------------------------------------------------------
    def restore(self) -> None:
        """Pick what the settings remember, then follow the user's changes."""
        s = self._settings
        self.device_picker.select(s.device)
        self.precision_box.setCurrentIndex(max(0, self.precision_box.findData(s.precision)))
        self.tile_picker.select(s.tile)
        self.output_size.select(s.output_size)
        self.model_picker.refresh(select=s.model)
        self.detail.partner_picker.refresh(select=s.detail_partner or self._default_partner())
        self.detail.set_value(s.detail)
        self._check_pair()
        self.model_picker.model_changed.connect(self._on_model_changed)
        self.detail.changed.connect(self._on_detail_changed)
        self.output_size.changed.connect(self._on_output_size_changed)
        for box in (self.device_picker, self.precision_box, self.tile_picker):
            box.currentIndexChanged.connect(self._on_device_changed)
        self._on_device_changed()

    def refresh_models(self, select: Path | None = None) -> None:
        """Re-read the model library (a model was added or made); `select` picks one."""
        self.model_picker.refresh(select=select)
        self.detail.partner_picker.refresh()

    def preselect(self, path: Path, detail: float | None = None) -> None:
        """Select `path` as the app's suggestion for an image: the settings keep the user's own choice.

        `detail` puts the slider back where it was (a suggestion undone); without it the slider
        goes to the model's end, as for any pick. One `changed` follows, from the pick.
        """
        remembered = (self._settings.model, self._settings.detail)
        self.model_picker.select(path)
        if detail is not None:
            self.detail.set_value(detail)
        self._settings.model, self._settings.detail = remembered

    def remember_choice(self) -> None:
        """The model on show is the user's choice (picked again by hand, so no change was reported)."""
        if not self.automatic:
            self._settings.model = self.model_picker.current_path()
            self._settings.detail = self.detail.value()

    # -- what runs --------------------------------------------------------------------------
    @property
    def automatic(self) -> bool:
        """"Automatic per image" is chosen: each image of a batch gets its own model."""
        return self.model_picker.is_automatic()

    def upscale_options(self) -> UpscaleOptions:
        """The options for the next image (ModelFileError when no model is installed).

        Automatic: the default model alone, for the images no other model is recommended for.
        """
        common = dict(inference=self._settings.inference_options(), output_size=self.output_size.output_size())
        if self.automatic:
            return UpscaleOptions(model=None, **common)
        chosen = self.model_picker.current_path()
        if chosen is None:
            raise ModelFileError(NO_MODEL_MESSAGE)
        ends = self.ends()
        weight = self.detail.value()
        if ends is None or weight in (0.0, 1.0):
            # An end of the slider is exactly one of the two models: no blend to build.
            model = chosen if ends is None else ends[int(weight)]
            return UpscaleOptions(model=str(model), **common)
        return UpscaleOptions(model=str(ends[0]), detail=weight, detail_with=str(ends[1]), **common)

    def ends(self) -> tuple[Path, Path] | None:
        """(faithful, photo-realistic) ends of the slider; None when there is no usable pair."""
        chosen, partner = self.model_picker.current_path(), self.detail.partner_path()
        if chosen is None or partner is None or partner == chosen or self.detail.problem:
            return None
        if self._chosen_is_realistic():
            return partner, chosen
        return chosen, partner

    def faithful_end(self) -> Path | None:
        """The faithful model when the next result is not itself faithful (for the invented-detail map)."""
        ends = self.ends()
        return None if ends is None or self.detail.value() == 0.0 else ends[0]

    # -- reacting to the user ----------------------------------------------------------------
    def _on_model_changed(self, path) -> None:
        for part in (self.detail, self.detail.partner_picker):
            part.setEnabled(not self.automatic)         # Automatic uses each model whole
        if self.automatic:
            self.changed.emit()
            return
        self._settings.model = path
        partner = self.detail.partner_path()
        if partner is None or partner == path:
            self.detail.blockSignals(True)        # one change for the user's one pick, reported below
            self.detail.partner_picker.refresh(select=self._default_partner())
            self.detail.blockSignals(False)
        self._check_pair()
        self.detail.set_value(1.0 if self._chosen_is_realistic() and self.ends() is not None else 0.0)
        self._settings.detail = self.detail.value()
        self.changed.emit()

    def _on_detail_changed(self) -> None:
        self._settings.detail = self.detail.value()
        self._settings.detail_partner = self.detail.partner_path()
        self._check_pair()
        self.changed.emit()

    def _on_output_size_changed(self) -> None:
        self._settings.output_size = self.output_size.output_size()
        self.output_changed.emit()

    def _on_device_changed(self, *_args) -> None:
        s = self._settings
        s.device = self.device_picker.current_key()
        s.precision = str(self.precision_box.currentData())
        s.tile = self.tile_picker.current_tile()
        text, notice = describe_choice(s.device, s.precision)
        self.device_described.emit(text, notice)
        self.changed.emit()

    # -- the pair -------------------------------------------------------------------------------
    def _check_pair(self) -> None:
        """Say at once (from the headers) when the two models cannot be blended."""
        chosen = self._info(self.model_picker.current_path())
        partner = self._info(self.detail.partner_path())
        problem = ""
        if chosen is not None and (partner is None or partner.path == chosen.path):
            problem = "Blending needs a second model: pick one under Blend with."
        elif chosen is not None and partner is not None:
            try:
                check_blendable(chosen, partner)
            except ModelFileError as exc:
                problem = str(exc)
        self.detail.set_problem(problem)

    def _chosen_is_realistic(self) -> bool:
        chosen = self._info(self.model_picker.current_path())
        partner = self._info(self.detail.partner_path())
        return (chosen is not None and is_photo_realistic(chosen)
                and (partner is None or not is_photo_realistic(partner)))

    def _default_partner(self) -> Path | None:
        """The bundled model of the other kind: SRGAN for SRResNet and the other way round."""
        chosen = self._info(self.model_picker.current_path())
        entries, _ = list_models()
        if chosen is None:
            return None
        others = [e for e in entries if e.path != chosen.path]
        wanted = DEFAULT_PAIR[0] if is_photo_realistic(chosen) else DEFAULT_PAIR[1]
        same_kind = is_photo_realistic(chosen)
        for entry in sorted(others, key=lambda e: (e.info.arch_config != chosen.arch_config, e.info.name != wanted,
                                                   is_photo_realistic(e.info) == same_kind)):
            return entry.path
        return None

    @staticmethod
    def _info(path: Path | None) -> ModelInfo | None:
        if path is None:
            return None
        try:
            return read_model_info(path)
        except ModelFileError:
            return None
