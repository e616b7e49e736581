"""The batch window's remembered choices (QSettings group "batch"), typed like AppSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from core.batch.plan import DEFAULT_NAMING, EXISTING_CHOICES, FORMAT_CHOICES
from core.batch.runner import BatchOptions

GROUP = "batch"


class BatchSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings()

    def _get(self, key: str, default: str) -> str:
        value = self._s.value(f"{GROUP}/{key}", default)
        return str(value) if value is not None else default

    def _put(self, key: str, value: object) -> None:
        self._s.setValue(f"{GROUP}/{key}", value)

    def load(self) -> BatchOptions:
        """The last used options; anything unreadable falls back to the default."""
        output = self._get("output_dir", "")
        fmt = self._get("format", "keep")
        existing = self._get("existing", "skip")
        try:
            quality = min(100, max(1, int(self._get("quality", "95"))))
        except ValueError:
            quality = 95
        options = dict(output_dir=Path(output) if output else None,
                       recursive=self._get("recursive", "true").lower() == "true",
                       output_format=fmt if fmt in FORMAT_CHOICES else "keep",
                       existing=existing if existing in EXISTING_CHOICES else "skip",
                       quality=quality, auto_model=self._get("auto_model", "false").lower() == "true")
        try:
            return BatchOptions(naming=self._get("naming", DEFAULT_NAMING), **options)
        except ValueError:
            return BatchOptions(**options)

    def save(self, options: BatchOptions) -> None:
        self._put("output_dir", str(options.output_dir) if options.output_dir else "")
        self._put("recursive", "true" if options.recursive else "false")
        self._put("naming", options.naming)
        self._put("format", options.output_format)
        self._put("quality", str(options.quality))
        self._put("existing", options.existing)
        self._put("auto_model", "true" if options.auto_model else "false")
        self._s.sync()
