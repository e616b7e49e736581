"""Save As: where, in which format (PNG / JPEG with quality / WebP / TIFF), never over the source.

The dialog only decides; writing goes through `core.imageio.files.save_image` on a worker (16-bit
where the source was, EXIF/ICC kept, DPI scaled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from core.imageio.files import keep_format, suffix_for_format

FILTERS = {
    "png": "PNG image (*.png)",
    "jpeg": "JPEG image (*.jpg *.jpeg)",
    "webp": "WebP image (*.webp)",
    "tiff": "TIFF image (*.tif *.tiff)",
}
SUFFIX_TO_FORMAT = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp",
                    ".tif": "tiff", ".tiff": "tiff"}
LOSSY = ("jpeg", "webp")


@dataclass(frozen=True)
class SaveTarget:
    path: Path
    fmt: str | None   # "png" | "jpeg" | "webp" | "tiff"; None: from the file's suffix
    quality: int = 95


def suggested_name(label: str, source_format: str, folder: Path) -> Path:
    """`photo.jpg` -> `<folder>/photo_x4.jpg` (same format as the source where we can write it)."""
    stem = Path(label).stem or "image"
    return folder / f"{stem}_x4{suffix_for_format(keep_format(source_format))}"


def is_same_file(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def resolve_target(chosen: str, selected_filter: str, quality: int) -> SaveTarget:
    """The dialog's answer -> a target; a missing or unknown suffix takes the filter's format."""
    path = Path(chosen)
    fmt = SUFFIX_TO_FORMAT.get(path.suffix.lower())
    if fmt is None:
        fmt = next((f for f, text in FILTERS.items() if text == selected_filter), "png")
        path = path.with_name(path.name + suffix_for_format(fmt))
    return SaveTarget(path, fmt, quality)


def ask_save_target(parent: QWidget, suggested: Path, source: Path | None,
                    quality: int = 95) -> SaveTarget | None:
    """Ask where and how to save; None if the user cancels. Refuses the source file itself."""
    fmt = SUFFIX_TO_FORMAT.get(suggested.suffix.lower(), "png")
    while True:
        chosen, selected = QFileDialog.getSaveFileName(
            parent, "Save the upscaled image", str(suggested), ";;".join(FILTERS.values()), FILTERS[fmt])
        if not chosen:
            return None
        target = resolve_target(chosen, selected, quality)
        if is_same_file(target.path, source):
            QMessageBox.warning(parent, "Choose another name",
                                f"{target.path.name} is the original image; saving there would "
                                "overwrite it. Please choose another name.")
            suggested = target.path
            continue
        if target.fmt in LOSSY:
            value, ok = QInputDialog.getInt(parent, f"{target.fmt.upper()} quality",
                                            "Quality (1-100, higher is better and larger):",
                                            quality, 1, 100)
            if not ok:
                return None
            target = SaveTarget(target.path, target.fmt, value)
        return target
