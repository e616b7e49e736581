"""Pick the model: bundled models first, then the user's own (e.g. from the fine-tune wizard).

Each entry's tooltip says what a user needs to choose: what the model is good for, how and
on what it was trained, its scores. Files in the model folder that cannot be used are listed
after the models, greyed out, with the reason as their tooltip. `refresh(select=path)` re-reads
the library, e.g. after the wizard made a model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QWidget

from core.models.library import LibraryEntry, list_models
from core.models.model_file import ModelFileError, ModelInfo, read_model_info
from core.models.summary import summary_lines

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
        for path, reason in problems:
            self._add_unusable(Path(path), reason)
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

    def _add_unusable(self, path: Path, reason: str) -> None:
        """A greyed-out entry that cannot be chosen; its tooltip says why the file is refused."""
        self.addItem(f"{path.stem} (unusable)", "")
        index = self.count() - 1
        self.setItemData(index, f"{reason}\n{path}", Qt.ItemDataRole.ToolTipRole)
        model = self.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(index)
            item.setEnabled(False)

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
    """The tooltip: core's words for the model (good for, trained, scores), and where it comes from."""
    origin = "bundled with the app" if entry is not None and entry.bundled else f"your model ({info.path.name})"
    lines = [f"{label.capitalize()}: {text}" for label, text in summary_lines(info)[1:]]
    return "\n".join([info.display_name, *lines, f"Source: {origin}"])
