"""Typed accessors for the app's remembered settings (QSettings).

The keys "model", "device", "precision", "tile", "detail", "detail_partner" and "output_size"
are shared: the batch window and the fine-tune wizard read them too, so a user picks a model,
device and output size once for the whole app.
The fine-tune wizard keeps its own keys: the last photo folder and the state of its advanced
settings (open or closed, and which values the user changed from the recipe's).
Values are stored as plain strings/ints so the INI backend (tests, Linux) round-trips them.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from core.inference.output_size import OutputSize
from core.inference.upscaler import InferenceOptions

ORGANIZATION = "srgan-desktop"
APPLICATION = "SRGAN Desktop"

MODEL = "model"            # model file path ("" = the library's default)
DEVICE = "device"          # "auto", "cpu", "cuda:N", "mps"
PRECISION = "precision"    # "auto" or "fp32"
TILE = "tile"              # input pixels per tile edge; 0 = automatic
DETAIL = "detail"                    # the detail slider, 0 (faithful) .. 1 (photo-realistic)
DETAIL_PARTNER = "detail_partner"    # the model the slider blends with ("" = the bundled default)
OUTPUT_SIZE = "output_size"          # "" (the model's scale), "x2", "width:1920", "height:1080"
COMPARE_MODEL = "compare_model"      # the second model of "compare two models"
AUTO_SAVE = "auto_save"              # "true": save each result next to its source when it is done
VIEWER_MODE = "viewer_mode"          # "side" or "split"
ORIGINAL_FILTER = "original_filter"  # "nearest" or "bicubic"
OPEN_DIR = "last_open_dir"
SAVE_DIR = "last_save_dir"
SAVE_FORMAT = "save_format"          # "keep", "png", "jpeg", "webp", "tiff"
SAVE_QUALITY = "save_quality"
RECENT = "recent_files"
GEOMETRY = "window_geometry"
FINETUNE_FOLDER = "finetune/photo_folder"      # the last photo folder the wizard trained on
FINETUNE_ADVANCED = "finetune/advanced"        # JSON: {"open": bool, "changed": {name: value}}
RESUME_DECLINED = "finetune/resume_declined"   # JSON list: interrupted runs the user said "Not Now" to

VIEWER_MODES = ("side", "split")
ORIGINAL_FILTERS = ("nearest", "bicubic")
MAX_RECENT = 10


class AppSettings:
    """One typed view on QSettings; cheap to create wherever it is needed."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings()

    # -- helpers --------------------------------------------------------------------------
    def _text(self, key: str, default: str, allowed: tuple[str, ...] | None = None) -> str:
        value = self._s.value(key, default)
        value = str(value) if value is not None else default
        return value if allowed is None or value in allowed else default

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value: object) -> None:
        self._s.setValue(key, value)

    def sync(self) -> None:
        self._s.sync()

    # -- inference --------------------------------------------------------------------------
    @property
    def model(self) -> Path | None:
        text = self._text(MODEL, "")
        return Path(text) if text else None

    @model.setter
    def model(self, path: Path | None) -> None:
        self._set(MODEL, str(path) if path else "")

    @property
    def device(self) -> str:
        return self._text(DEVICE, "auto")

    @device.setter
    def device(self, key: str) -> None:
        self._set(DEVICE, key)

    @property
    def precision(self) -> str:
        return self._text(PRECISION, "auto", ("auto", "fp32"))

    @precision.setter
    def precision(self, value: str) -> None:
        self._set(PRECISION, value)

    @property
    def tile(self) -> int | None:
        """Tile edge in input pixels, or None for automatic."""
        value = self._int(TILE, 0)
        return value if value >= 32 else None

    @tile.setter
    def tile(self, value: int | None) -> None:
        self._set(TILE, int(value or 0))

    @property
    def detail(self) -> float:
        try:
            return min(1.0, max(0.0, float(self._s.value(DETAIL, 0.0))))
        except (TypeError, ValueError):
            return 0.0

    @detail.setter
    def detail(self, value: float) -> None:
        self._set(DETAIL, f"{value:.2f}")

    @property
    def detail_partner(self) -> Path | None:
        text = self._text(DETAIL_PARTNER, "")
        return Path(text) if text else None

    @detail_partner.setter
    def detail_partner(self, path: Path | None) -> None:
        self._set(DETAIL_PARTNER, str(path) if path else "")

    @property
    def compare_model(self) -> Path | None:
        text = self._text(COMPARE_MODEL, "")
        return Path(text) if text else None

    @compare_model.setter
    def compare_model(self, path: Path | None) -> None:
        self._set(COMPARE_MODEL, str(path) if path else "")

    @property
    def output_size(self) -> OutputSize | None:
        """None: the model's own scale."""
        kind, _, value = self._text(OUTPUT_SIZE, "").partition(":")
        try:
            if kind in ("x2", "x3", "x4"):
                return OutputSize(scale=int(kind[1]))
            if kind == "width":
                return OutputSize(width=int(value))
            if kind == "height":
                return OutputSize(height=int(value))
        except ValueError:
            pass
        return None

    @output_size.setter
    def output_size(self, size: OutputSize | None) -> None:
        if size is None:
            text = ""
        elif size.width is not None:
            text = f"width:{size.width}"
        elif size.height is not None:
            text = f"height:{size.height}"
        else:
            text = f"x{size.scale:g}"
        self._set(OUTPUT_SIZE, text)

    def inference_options(self) -> InferenceOptions:
        """The InferenceOptions these settings describe (shared by every window)."""
        return InferenceOptions(device=self.device, precision=self.precision, tile=self.tile)

    # -- viewer -----------------------------------------------------------------------------
    @property
    def viewer_mode(self) -> str:
        return self._text(VIEWER_MODE, "side", VIEWER_MODES)

    @viewer_mode.setter
    def viewer_mode(self, value: str) -> None:
        self._set(VIEWER_MODE, value)

    @property
    def original_filter(self) -> str:
        return self._text(ORIGINAL_FILTER, "bicubic", ORIGINAL_FILTERS)

    @original_filter.setter
    def original_filter(self, value: str) -> None:
        self._set(ORIGINAL_FILTER, value)

    # -- files ------------------------------------------------------------------------------
    @property
    def open_dir(self) -> Path:
        return Path(self._text(OPEN_DIR, str(Path.home())))

    @open_dir.setter
    def open_dir(self, folder: Path) -> None:
        self._set(OPEN_DIR, str(folder))

    @property
    def save_dir(self) -> Path | None:
        text = self._text(SAVE_DIR, "")
        return Path(text) if text else None

    @save_dir.setter
    def save_dir(self, folder: Path) -> None:
        self._set(SAVE_DIR, str(folder))

    @property
    def auto_save(self) -> bool:
        return self._text(AUTO_SAVE, "false") == "true"

    @auto_save.setter
    def auto_save(self, on: bool) -> None:
        self._set(AUTO_SAVE, "true" if on else "false")

    @property
    def save_quality(self) -> int:
        return min(100, max(1, self._int(SAVE_QUALITY, 95)))

    @save_quality.setter
    def save_quality(self, value: int) -> None:
        self._set(SAVE_QUALITY, int(value))

    @property
    def recent_files(self) -> list[Path]:
        # JSON text, because INI files turn a one-element list into a bare string.
        try:
            items = json.loads(self._text(RECENT, "[]"))
        except ValueError:
            return []
        return [Path(p) for p in items if isinstance(p, str)][:MAX_RECENT]

    @recent_files.setter
    def recent_files(self, paths: list[Path]) -> None:
        self._set(RECENT, json.dumps([str(p) for p in paths[:MAX_RECENT]]))

    @property
    def geometry(self) -> QByteArray | None:
        value = self._s.value(GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._set(GEOMETRY, value)

    # -- fine-tune wizard -------------------------------------------------------------------
    @property
    def finetune_folder(self) -> Path | None:
        text = self._text(FINETUNE_FOLDER, "")
        return Path(text) if text else None

    @finetune_folder.setter
    def finetune_folder(self, folder: Path | None) -> None:
        self._set(FINETUNE_FOLDER, str(folder) if folder else "")

    @property
    def resume_declined(self) -> frozenset[str]:
        """Ids of the interrupted fine-tunes whose start-up question the user answered "Not Now"."""
        try:
            data = json.loads(self._text(RESUME_DECLINED, "[]"))
        except ValueError:
            return frozenset()
        return frozenset(str(x) for x in data) if isinstance(data, list) else frozenset()

    @resume_declined.setter
    def resume_declined(self, ids: frozenset[str]) -> None:
        self._set(RESUME_DECLINED, json.dumps(sorted(ids)))

    @property
    def finetune_advanced(self) -> tuple[bool, dict[str, object]]:
        """(shown, changed values): whether the advanced settings were open, and what the user
        changed from the recommended values (empty: all recommended). The wizard checks the values."""
        try:
            data = json.loads(self._text(FINETUNE_ADVANCED, "{}"))
        except ValueError:
            return False, {}
        if not isinstance(data, dict):
            return False, {}
        changed = data.get("changed")
        return data.get("open") is True, dict(changed) if isinstance(changed, dict) else {}

    @finetune_advanced.setter
    def finetune_advanced(self, state: tuple[bool, dict[str, object]]) -> None:
        shown, changed = state
        self._set(FINETUNE_ADVANCED, json.dumps({"open": bool(shown), "changed": dict(changed)}))
