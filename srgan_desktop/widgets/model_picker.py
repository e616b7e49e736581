"""Pick the model: bundled models first, then the user's own (e.g. from the fine-tune wizard).

Each entry's tooltip says what a user needs to choose: what the model is good for, how and
on what it was trained, its scores. Files in the model folder that cannot be used are listed
after the models, greyed out, with the reason as their tooltip. `refresh(select=path)` re-reads
the library, e.g. after the wizard made a model.

Two additions serve the recommendation of `core.inference.recommend`: one entry can be marked
as recommended for the image on show, the reason leading its tooltip (`set_recommendation`);
and the batch window's picker starts with "Automatic per image" (`automatic=True`), a choice
of no one model, first like the "Automatic" of the other pickers and apart from the files.
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
AUTOMATIC = "Automatic per image"
AUTOMATIC_TIP = ("Each image gets the model recommended for it: the real-world model for compressed or noisy "
                 "photos, the default model for the others. The log names each file's model and why. "
                 "Each model is used whole: the detail slider does not apply.")
RECOMMENDED = " — recommended"      # the tooltip starts "Recommended for this image: <why>"
_AUTOMATIC_DATA = "automatic"           # item data of the Automatic entry; a model entry holds its path
_LABEL_ROLE = Qt.ItemDataRole.UserRole + 1    # an entry's label without the recommendation mark
_TIP_ROLE = Qt.ItemDataRole.UserRole + 2      # its tooltip without the reason
_TITLE_ROLE = Qt.ItemDataRole.UserRole + 3    # the model's own name for messages, e.g. "SRResNet x4 (Faithful)"


class ModelPicker(QComboBox):
    model_changed = Signal(object)        # Path, or None when no model is available
    problems_found = Signal(list)         # [(Path, reason)] files that were refused

    def __init__(self, parent: QWidget | None = None, automatic: bool = False) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(14)
        self.setToolTip("The model that upscales your images")
        self._automatic = automatic
        self._extra: list[Path] = []      # model files opened by hand, outside the library
        self._recommended: tuple[Path, str] | None = None
        self._plain_tip: str | None = None    # the box's own tooltip while the reason is added to it
        self.currentIndexChanged.connect(self._on_index_changed)

    def current_path(self) -> Path | None:
        """The chosen model file; None when none is installed or "Automatic per image" is chosen."""
        data = self.currentData()
        return Path(data) if data and data != _AUTOMATIC_DATA else None

    def is_automatic(self) -> bool:
        return self.currentData() == _AUTOMATIC_DATA

    def select_automatic(self) -> None:
        if self._automatic:
            self.setCurrentIndex(0)

    def select(self, path: Path) -> None:
        """Choose the entry of `path` if it is listed (reported by `model_changed` like any change)."""
        index = self._index_of(path)
        if index >= 0:
            self.setCurrentIndex(index)

    def title_of(self, path: Path) -> str:
        """What the model calls itself, e.g. "SRResNet x4 (Faithful)", for messages."""
        index = self._index_of(path)
        return str(self.itemData(index, _TITLE_ROLE)) if index >= 0 else Path(path).stem

    def set_recommendation(self, path: Path | None, reason: str = "") -> None:
        """Mark `path`'s entry as recommended for the image on show, the reason leading its tooltip; None clears."""
        self._recommended = (Path(path), reason) if path is not None else None
        self._show_recommendation()

    def recommended(self) -> Path | None:
        return self._recommended[0] if self._recommended is not None else None

    def refresh(self, select: Path | None = None) -> None:
        """Re-read the library and select `select` (or keep the current choice)."""
        keep_automatic = select is None and self.is_automatic()
        wanted = Path(select) if select is not None else self.current_path()
        entries, problems = list_models()
        self.blockSignals(True)
        self.clear()
        if self._automatic:
            self.addItem(AUTOMATIC, _AUTOMATIC_DATA)
            self.setItemData(0, AUTOMATIC_TIP, Qt.ItemDataRole.ToolTipRole)
            self.insertSeparator(1)
        for entry in entries:
            self._add(entry.info, _label(entry), entry)
        for path in self._extra:
            if all(e.path != path for e in entries):
                try:
                    self._add(read_model_info(path), f"{path.stem} (file)", None)
                except ModelFileError as exc:
                    problems.append((path, str(exc)))
        if self.count() == self._first_model():
            self.addItem(NO_MODEL, "")
        for path, reason in problems:
            self._add_unusable(Path(path), reason)
        index = self._index_of(wanted) if wanted is not None else -1
        self.setCurrentIndex(0 if keep_automatic else index if index >= 0 else self._first_model())
        self._show_recommendation()
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
        index = self.count() - 1
        tip = describe(info, entry)
        self.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.setItemData(index, label, _LABEL_ROLE)
        self.setItemData(index, tip, _TIP_ROLE)
        self.setItemData(index, info.display_name, _TITLE_ROLE)

    def _first_model(self) -> int:
        """Where the models start: after "Automatic per image" and its separator. Without a wish the
        first model (the default) is chosen, never Automatic: that is the user's choice to make."""
        return 2 if self._automatic else 0

    def _show_recommendation(self) -> None:
        """Labels and tooltips as the recommendation says: its entry marked and explained, the others plain."""
        marked = self._index_of(self._recommended[0]) if self._recommended is not None else -1
        for index in range(self.count()):
            label = self.itemData(index, _LABEL_ROLE)
            if label is None:
                continue                  # Automatic, a separator, an unusable file: never recommended
            tip = str(self.itemData(index, _TIP_ROLE))
            if index == marked and self._recommended is not None:
                label, tip = label + RECOMMENDED, f"Recommended for this image: {self._recommended[1]}\n\n{tip}"
            self.setItemText(index, label)
            self.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        if marked >= 0 and self._recommended is not None:
            self._plain_tip = self.toolTip() if self._plain_tip is None else self._plain_tip
            self.setToolTip(f"{self._plain_tip}\nRecommended for this image: {self._recommended[1]}")
        elif self._plain_tip is not None:
            self.setToolTip(self._plain_tip)
            self._plain_tip = None

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
            if data and data != _AUTOMATIC_DATA and Path(data) == Path(path):
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
