"""Saving results: Save (same target again), Save As (dialog), each written on a worker.

`core.imageio.files.save_image` does the writing (atomic, 16-bit where the source was, EXIF/ICC
kept, DPI already scaled by the upscale); this object asks where to, remembers where each
result went and refuses the source file itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from core.imageio.files import save_image
from srgan_desktop.background import Job, WorkFailed, call_in_background
from srgan_desktop.main_window.save_dialog import SaveTarget, ask_save_target, is_same_file, suggested_name
from srgan_desktop.main_window.upscale_queue import QueueEntry
from srgan_desktop.settings import AppSettings


class SaveRefused(WorkFailed):
    """The target is the source image itself: saving there would overwrite the original."""


class ResultSaver:
    def __init__(self, settings: AppSettings, dialog_parent: QWidget,
                 ask: Callable[..., SaveTarget | None] = ask_save_target) -> None:
        self._settings = settings
        self._dialog_parent = dialog_parent
        self._ask = ask
        self._saved_to: dict[int, Path] = {}
        self._writing: set[Job] = set()

    def save_target(self, entry: QueueEntry) -> SaveTarget | None:
        """Save: where this result was saved last (its format from the suffix); the first time, ask."""
        previous = self._saved_to.get(entry.id)
        return self.ask_target(entry) if previous is None else SaveTarget(previous, None)

    def ask_target(self, entry: QueueEntry) -> SaveTarget | None:
        """Save As: the file dialog (and the quality for JPEG/WebP); None if the user cancels."""
        folder = self._settings.save_dir or (entry.path.parent if entry.path else self._settings.open_dir)
        suggested = suggested_name(entry.label, entry.result.result.metadata.source_format, folder)
        target = self._ask(self._dialog_parent, suggested, entry.path, self._settings.save_quality)
        if target is not None:
            self._settings.save_quality = target.quality
        return target

    def refusal(self, entry: QueueEntry, path: Path) -> str | None:
        """Why `entry`'s result must not be written to `path`, or None."""
        if is_same_file(Path(path), entry.path):
            return f"{Path(path).name}: saving there would overwrite the original; choose another name"
        return None

    async def write(self, entry: QueueEntry, target: SaveTarget) -> Path:
        """Write `entry`'s result on a worker; the path written. Never onto the source image:
        that raises `SaveRefused`; a failed write raises `WorkFailed`."""
        refusal = self.refusal(entry, target.path)
        if refusal is not None:
            raise SaveRefused(refusal)
        job = call_in_background(save_image, entry.result.result, Path(target.path), target.fmt, target.quality)
        self._writing.add(job)
        try:
            written = await job
        finally:
            self._writing.discard(job)
        self._saved_to[entry.id] = written
        self._settings.save_dir = written.parent
        return written

    def finish_writing(self, timeout_s: float = 30.0) -> None:
        """Let running writes finish (window closing): a half-written file is never left."""
        for job in list(self._writing):
            job.stop(timeout_s, cancel=False)
