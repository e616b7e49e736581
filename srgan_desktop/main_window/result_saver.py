"""Saving results: Save (same target again), Save As (dialog), save next to the source automatically.

`core.imageio.files.save_image` does the writing on a worker (atomic, 16-bit where the source
was, EXIF/ICC kept), after `core.inference.output_size.resize_result` when an output size other
than the model's own is chosen (DPI follows the real factor). This object asks where to,
remembers where each result went and refuses the source file itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from core.imageio.files import DecodedImage, save_image
from core.inference.output_size import OutputSize, resize_result
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
        self._saved_to: dict[int, tuple[Path, object, OutputSize | None]] = {}   # entry -> (path, result, size)
        self._writing: set[Job] = set()

    def save_target(self, entry: QueueEntry) -> SaveTarget | None:
        """Save: where this result was saved last (its format from the suffix); the first time, ask."""
        previous = self._saved_to.get(entry.id)
        return self.ask_target(entry) if previous is None else SaveTarget(previous[0], None)

    def already_saved(self, entry: QueueEntry, output_size: OutputSize | None) -> Path | None:
        """Where this very result was saved at this size, if that file is still there."""
        saved = self._saved_to.get(entry.id)
        if saved is None or saved[1] is not entry.result or saved[2] != output_size or not saved[0].exists():
            return None
        return saved[0]

    def automatic_target(self, entry: QueueEntry) -> SaveTarget | None:
        """Beside the source, as Save As would suggest, under a free name; None for a pasted image."""
        if entry.path is None or entry.result is None:
            return None
        suggested = suggested_name(entry.label, entry.result.result.metadata.source_format, entry.path.parent)
        candidate, n = suggested, 2
        while candidate.exists():
            candidate = suggested.with_name(f"{suggested.stem}-{n}{suggested.suffix}")
            n += 1
        return SaveTarget(candidate, None, self._settings.save_quality)

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

    async def write(self, entry: QueueEntry, target: SaveTarget, output_size: OutputSize | None = None) -> Path:
        """Write `entry`'s result at `output_size` (None: the model's scale) on a worker; the path written.
        Never onto the source image: that raises `SaveRefused`; a failed write raises `WorkFailed`."""
        refusal = self.refusal(entry, target.path)
        if refusal is not None:
            raise SaveRefused(refusal)
        result = entry.result
        size = None if output_size is None or entry.ready is None else output_size.size_for(
            entry.ready.original.width(), entry.ready.original.height())
        job = call_in_background(_resize_and_save, result.result, size, Path(target.path), target.fmt, target.quality)
        self._writing.add(job)
        try:
            written = await job
        finally:
            self._writing.discard(job)
        self._saved_to[entry.id] = (written, result, output_size)
        self._settings.save_dir = written.parent
        return written

    def finish_writing(self, timeout_s: float = 30.0) -> None:
        """Let running writes finish (window closing): a half-written file is never left."""
        for job in list(self._writing):
            job.stop(timeout_s, cancel=False)


def _resize_and_save(result: DecodedImage, size: tuple[int, int] | None, path: Path, fmt: str | None,
                     quality: int) -> Path:
    """On the worker: the output size first (nothing when it is the model's own), then the atomic write."""
    return save_image(result if size is None else resize_result(result, size), path, fmt, quality)
