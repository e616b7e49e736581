"""Where and how batch outputs are written: folder, naming, format, quality, existing files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.batch.runner import BatchOptions
from core.imageio.files import DEFAULT_MAX_PIXELS

FORMATS = (("Keep the source's format", "keep"), ("PNG", "png"), ("JPEG", "jpeg"), ("WebP", "webp"),
           ("TIFF", "tiff"))
EXISTING = (("Skip files already done", "skip"), ("Overwrite existing outputs", "overwrite"))


class BatchOptionsForm(QWidget):
    """Edits a `BatchOptions`; `changed` fires on every edit. `options()` may raise BatchPlanError."""

    changed = Signal()

    def __init__(self, options: BatchOptions, parent=None) -> None:
        super().__init__(parent)
        self.output_dir = QLineEdit()
        self.output_dir.setPlaceholderText("Next to each input folder, as <folder>_x4")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse)
        self.recursive = QCheckBox("Include subfolders (the tree is mirrored in the output)")
        self.include = QLineEdit()
        self.include.setPlaceholderText("all images, or e.g. *.jpg; holiday/*")
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText("e.g. *_thumb.*")
        self.naming = QLineEdit()
        self.naming.setToolTip("Fields: {stem} file name without extension, {name} with it, {ext} the output "
                               "extension, {scale}")
        self.format = _combo(FORMATS)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.existing = _combo(EXISTING)
        self.allow_huge = QCheckBox(f"Allow images over {DEFAULT_MAX_PIXELS / 1e6:.0f} megapixels (slow, "
                                    "needs much memory)")

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.output_dir, 1)
        folder_row.addWidget(browse)
        format_row = QHBoxLayout()
        format_row.addWidget(self.format, 1)
        format_row.addWidget(self.quality)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("", self.recursive)
        form.addRow("Only files matching", self.include)
        form.addRow("Leave out", self.exclude)
        form.addRow("Output folder", folder_row)
        form.addRow("File names", self.naming)
        form.addRow("Format, quality", format_row)
        form.addRow("Existing outputs", self.existing)
        form.addRow("", self.allow_huge)
        self.set_options(options)
        for edit in (self.output_dir, self.include, self.exclude, self.naming):
            edit.textChanged.connect(self.changed)
        self.recursive.toggled.connect(self.changed)
        self.format.currentIndexChanged.connect(self._on_format)
        self.quality.valueChanged.connect(self.changed)
        self.existing.currentIndexChanged.connect(self.changed)
        self.allow_huge.toggled.connect(self.changed)

    def set_options(self, options: BatchOptions) -> None:
        self.output_dir.setText(str(options.output_dir) if options.output_dir else "")
        self.recursive.setChecked(options.recursive)
        self.include.setText("; ".join(options.include))
        self.exclude.setText("; ".join(options.exclude))
        self.naming.setText(options.naming)
        self.format.setCurrentIndex(self.format.findData(options.output_format))
        self.quality.setValue(options.quality)
        self.existing.setCurrentIndex(self.existing.findData(options.existing))
        self.allow_huge.setChecked(options.max_pixels is None)
        self._on_format()

    def options(self) -> BatchOptions:
        folder = self.output_dir.text().strip()
        return BatchOptions(output_dir=Path(folder).expanduser() if folder else None,
                            recursive=self.recursive.isChecked(),
                            include=_patterns(self.include.text()), exclude=_patterns(self.exclude.text()),
                            naming=self.naming.text().strip(), output_format=self.format.currentData(),
                            quality=self.quality.value(), existing=self.existing.currentData(),
                            max_pixels=None if self.allow_huge.isChecked() else DEFAULT_MAX_PIXELS)

    def _on_format(self) -> None:
        self.quality.setEnabled(self.format.currentData() in ("jpeg", "webp"))
        self.changed.emit()

    def _on_browse(self) -> None:
        start = self.output_dir.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Output folder", start)
        if folder:
            self.output_dir.setText(folder)


def _combo(items: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    for label, value in items:
        combo.addItem(label, value)
    return combo


def _patterns(text: str) -> tuple[str, ...]:
    """'*.jpg; *.png' or '*.jpg, *.png' -> ('*.jpg', '*.png')."""
    return tuple(p.strip() for p in text.replace(",", ";").split(";") if p.strip())
