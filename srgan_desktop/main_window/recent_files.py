"""File > Open Recent: the last images opened, remembered in the settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from srgan_desktop.settings import MAX_RECENT, AppSettings


class RecentFilesMenu(QMenu):
    open_requested = Signal(object)   # Path

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self._settings = settings
        self._rebuild()

    @property
    def paths(self) -> list[Path]:
        return self._settings.recent_files

    def add(self, path: Path) -> None:
        path = Path(path).resolve()
        paths = [p for p in self._settings.recent_files if p != path]
        self._settings.recent_files = [path, *paths][:MAX_RECENT]
        self._rebuild()

    def clear_all(self) -> None:
        self._settings.recent_files = []
        self._rebuild()

    def _rebuild(self) -> None:
        self.clear()
        paths = self._settings.recent_files
        for number, path in enumerate(paths, start=1):
            action = self.addAction(f"&{number % 10} {path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_requested.emit(p))
        if paths:
            self.addSeparator()
            self.addAction("Clear Menu").triggered.connect(self.clear_all)
        else:
            self.addAction("No recent files").setEnabled(False)
