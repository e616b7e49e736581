"""Pick the model: bundled models first, then the user's own (e.g. from the fine-tune wizard).

Each entry's tooltip says what a user needs to choose: what the model is good for, how and
on what it was trained, its scores. `refresh(select=path)` re-reads the library, e.g. after the wizard made a model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from core.models.library import LibraryEntry, list_models
from core.models.model_file import ModelFileError, ModelInfo, read_model_info

NO_MODEL = "No model installed"


class ModelPicker(QComboBox):
    model_changed = Signal(object)        # Path, or None when no model is available
    problems_found = Signal(list)         # [(Path, reason)] files that were refused

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(14)
        self.setToolTip("The model that upscales your images")
        self._extra: list[Path] = []      # model files opened by hand, outside the library
        self.currentIndexChanged.connect(self._on_index_changed)

    def current_path(self) -> Path | None:
        data = self.currentData()
        return Path(data) if data else None

    def refresh(self, select: Path | None = None) -> None:
        """Re-read the library and select `select` (or keep the current choice)."""
        wanted = Path(select) if select is not None else self.current_path()
        entries, problems = list_models()
        self.blockSignals(True)
        self.clear()
        for entry in entries:
            self._add(entry.info, _label(entry), entry)
        for path in self._extra:
            if all(e.path != path for e in entries):
                try:
                    self._add(read_model_info(path), f"{path.stem} (file)", None)
                except ModelFileError as exc:
                    problems.append((path, str(exc)))
        if self.count() == 0:
            self.addItem(NO_MODEL, "")
        index = self._index_of(wanted) if wanted is not None else -1
        self.setCurrentIndex(index if index >= 0 else 0)
        self.blockSignals(False)
        self.model_changed.emit(self.current_path())
        if problems:
            self.problems_found.emit(problems)

    def refresh_and_select(self, path: Path) -> None:
        """Slot for `FineTuneWizard.model_created(Path)`: list the new model and pick it."""
        self.refresh(select=Path(path))

    def add_file(self, path: Path) -> None:
        """Use a model file from anywhere (validated now; ModelFileError if unusable)."""
        read_model_info(path)
        if path not in self._extra:
            self._extra.append(path)
        self.refresh(select=path)

    def _add(self, info: ModelInfo, label: str, entry: LibraryEntry | None) -> None:
        self.addItem(label, str(info.path))
        self.setItemData(self.count() - 1, describe(info, entry), Qt.ItemDataRole.ToolTipRole)

    def _index_of(self, path: Path) -> int:
        for i in range(self.count()):
            data = self.itemData(i)
            if data and Path(data) == Path(path):
                return i
        return -1

    def _on_index_changed(self, _index: int) -> None:
        self.model_changed.emit(self.current_path())


def _label(entry: LibraryEntry) -> str:
    name = entry.info.display_name
    if entry.default:
        return f"{name} (default)"
    return name


def describe(info: ModelInfo, entry: LibraryEntry | None = None) -> str:
    """What a user needs to choose a model, as a short multi-line tooltip: what it is good for, how and on
    what it was trained (in words, never a development path), its scores, what kind of network it is."""
    config = info.arch_config
    lines = [info.display_name]
    if info.description:
        lines.append(info.description)
    lines.extend(_training_lines(info.provenance or {}))
    lines.extend(_score_lines(info.metrics or {}))
    origin = "bundled with the app" if entry is not None and entry.bundled else f"your model ({info.path.name})"
    lines.append(f"{config.scale}\u00d7 SRResNet, {config.num_blocks} blocks \u00d7 {config.width} channels, {origin}")
    return "\n".join(lines)


def _training_lines(provenance: dict) -> list[str]:
    if "blend" in provenance:
        blend = provenance["blend"]
        return [f"A blend of {blend['faithful']['title']} and {blend['photo_realistic']['title']} "
                f"at detail {blend['weight']:.2f}"]
    lines = []
    kind = {"gan": "as a GAN (perceptual and adversarial loss: photo-realistic texture)",
            "mse": "with a pixel loss (faithful: it never invents detail)"}.get(str(provenance.get("phase")))
    steps = provenance.get("total_steps") or provenance.get("steps")
    hours = provenance.get("hours") or (provenance.get("seconds", 0) / 3600)
    if kind or steps:
        effort = f" for {int(steps):,} steps" if steps else ""
        effort += f" ({hours:.1f} hours)" if hours and hours >= 0.1 else ""
        lines.append(f"Trained {kind or ''}{effort}".replace("  ", " "))
    photos = provenance.get("training_photos")
    if photos:
        base = provenance.get("base_model")
        lines.append(f"Fine-tuned on {photos} of your photos" + (f", starting from {base}" if base else ""))
    elif provenance.get("trained_with") == "SRGAN Desktop":
        lines.append("Training data: openly licensed photographs (desktop wallpapers: landscapes, nature, cities)")
    return lines


def _score_lines(metrics: dict) -> list[str]:
    lines = []
    for dataset in ("Set5", "Set14"):
        values = metrics.get(dataset)
        if isinstance(values, dict) and "psnr" in values:
            ssim = f", SSIM {values['ssim']:.3f}" if "ssim" in values else ""
            bicubic = f" (bicubic: {values['bicubic_psnr']:.2f} dB)" if "bicubic_psnr" in values else ""
            lines.append(f"{dataset}: PSNR {values['psnr']:.2f} dB{ssim}{bicubic}")
    if not lines and isinstance(metrics.get("validation"), dict) and "psnr" in metrics["validation"]:
        lines.append(f"Your validation photos: PSNR {metrics['validation']['psnr']:.2f} dB")
    if lines:
        lines.insert(0, "Scores (higher PSNR = closer to the real photo; GAN models trade it for texture):")
    return lines
