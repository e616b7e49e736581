"""Saving results: Save (same target again), Save As (dialog), each written on a worker.

`core.imageio.files.save_image` does the writing (atomic, 16-bit where the source was, EXIF/ICC
kept, DPI already scaled by the upscale); this object remembers where each result went and
refuses the source file itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from core.imageio.files import save_image
from srgan_desktop.background import BackgroundTask
from srgan_desktop.main_window.save_dialog import ask_save_target, is_same_file, suggested_name
from srgan_desktop.main_window.upscale_queue import QueueEntry
from srgan_desktop.settings import AppSettings


class ResultSaver(QObject):
    started = Signal(str)      # file name being written
    saved = Signal(object)     # Path written
    failed = Signal(str)       # one line for the user

    def __init__(self, settings: AppSettings, parent: QWidget,
                 ask: Callable[..., object] = ask_save_target) -> None:
        super().__init__(parent)
        self._settings = settings
        self._dialog_parent = parent
        self._ask = ask
        self._saved_to: dict[int, Path] = {}
        self._tasks: list[BackgroundTask] = []

    def save(self, entry: QueueEntry) -> BackgroundTask | None:
        """Save again where this result was saved last; the first time, ask (Save As)."""
        previous = self._saved_to.get(entry.id)
        return self.save_as(entry) if previous is None else self.save_to(entry, previous)

    def save_as(self, entry: QueueEntry) -> BackgroundTask | None:
        folder = self._settings.save_dir or (entry.path.parent if entry.path else self._settings.open_dir)
        suggested = suggested_name(entry.label, entry.result.result.metadata.source_format, folder)
        target = self._ask(self._dialog_parent, suggested, entry.path, self._settings.save_quality)
        if target is None:
            return None
        self._settings.save_quality = target.quality
        return self.save_to(entry, target.path, target.fmt, target.quality)

    def save_to(self, entry: QueueEntry, path: Path, fmt: str | None = None,
                quality: int = 95) -> BackgroundTask | None:
        """Write `entry`'s result to `path` on a worker; never onto the source image."""
        path = Path(path)
        if is_same_file(path, entry.path):
            self.failed.emit(f"{path.name}: saving there would overwrite the original; choose another name")
            return None
        result = entry.result.result

        def work(_control):
            yield from ()
            return save_image(result, path, fmt or None, quality)

        task = BackgroundTask(work, parent=self)
        task.on_success(lambda written: self._on_saved(entry, written))
        task.on_error(lambda message: self.failed.emit(f"Could not save: {message}"))
        task.done.connect(lambda: self._forget(task))
        self._tasks.append(task)
        self.started.emit(path.name)
        return task.start()

    def wait(self, msecs: int = 30_000) -> None:
        """Let running writes finish (window closing): a half-written file is never left."""
        for task in list(self._tasks):
            task.stop(msecs, cancel=False)

    def _on_saved(self, entry: QueueEntry, written: Path) -> None:
        self._saved_to[entry.id] = written
        self._settings.save_dir = written.parent
        self.saved.emit(written)

    def _forget(self, task: BackgroundTask) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        task.deleteLater()
