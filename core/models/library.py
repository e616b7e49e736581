"""The model library: bundled models in `resources/models/` plus the user's own folder.

Bundled models are listed in `resources/models/bundled.json` with their SHA-256, the way
torchvision's `Weights` entries pin a hash: a bundled file whose bytes changed is refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.common.errors import first_line
from core.common.paths import bundled_models_dir, user_models_dir
from core.models.model_file import MODEL_SUFFIX, ModelFileError, ModelInfo, file_sha256, read_model_info

BUNDLED_INDEX = "bundled.json"


@dataclass(frozen=True)
class LibraryEntry:
    info: ModelInfo
    bundled: bool
    default: bool = False

    @property
    def path(self) -> Path:
        return self.info.path


def bundled_index(models_dir: Path | None = None) -> list[dict]:
    """Entries of `bundled.json`: name, file, sha256, default (first listed is the default)."""
    index_path = (models_dir or bundled_models_dir()) / BUNDLED_INDEX
    if not index_path.exists():
        return []
    return list(json.loads(index_path.read_text(encoding="utf-8"))["models"])


def verify_bundled(entry: dict, models_dir: Path | None = None) -> Path:
    path = (models_dir or bundled_models_dir()) / entry["file"]
    if not path.exists():
        raise ModelFileError(f"bundled model {entry['file']} is missing; reinstall the app")
    if file_sha256(path) != entry["sha256"]:
        raise ModelFileError(f"bundled model {entry['file']} is damaged (hash mismatch); reinstall the app")
    return path


def list_models(user_dir: Path | None = None) -> tuple[list[LibraryEntry], list[tuple[Path, str]]]:
    """All usable models (bundled first, default first) and the files that were refused, with why."""
    entries: list[LibraryEntry] = []
    problems: list[tuple[Path, str]] = []
    for position, item in enumerate(bundled_index()):
        try:
            path = verify_bundled(item)
            entries.append(LibraryEntry(read_model_info(path), bundled=True, default=position == 0))
        except ModelFileError as exc:
            problems.append((bundled_models_dir() / item["file"], str(exc)))
    folder = user_dir or user_models_dir()
    if folder.is_dir():
        for path in sorted(folder.glob(f"*{MODEL_SUFFIX}")):
            try:
                entries.append(LibraryEntry(read_model_info(path), bundled=False))
            except ModelFileError as exc:
                problems.append((path, str(exc)))
            except Exception as exc:  # noqa: BLE001 - one file the checks did not foresee must not hide the others
                problems.append((path, f"{path.name}: cannot be used ({first_line(exc)})"))
    return entries, problems


_names_cache: tuple[tuple, frozenset[str]] | None = None


def installed_names(user_dir: Path | None = None) -> frozenset[str]:
    """The names of the usable models, read again only when a model file or the bundled index changed.

    `list_models` reads every header and hashes every bundled file; a batch that asks for each
    image whether a model is installed would pay that per image. The cache is keyed by each
    model file's path, size and modification time, which a listing of the two folders gives
    for a few stat calls. One entry, replaced whole: threads at worst read the library twice.
    """
    global _names_cache
    state = _library_state(user_dir or user_models_dir())
    cached = _names_cache
    if cached is not None and cached[0] == state:
        return cached[1]
    entries, _ = list_models(user_dir)
    names = frozenset(entry.info.name for entry in entries)
    _names_cache = (state, names)       # the state from before the read: a change during it reads again
    return names


def _library_state(user_dir: Path) -> tuple:
    """(path, size, mtime) of every model file and bundled index; adding, removing or rewriting one changes it."""
    state = []
    for folder in (bundled_models_dir(), user_dir):
        try:
            with os.scandir(folder) as found:
                for item in found:
                    if item.name.endswith(MODEL_SUFFIX) or item.name == BUNDLED_INDEX:
                        stat = item.stat()
                        state.append((item.path, stat.st_size, stat.st_mtime_ns))
        except OSError:
            continue                    # no such folder: nothing installed there
    return tuple(sorted(state))


def default_model() -> LibraryEntry | None:
    entries, _ = list_models()
    return next((e for e in entries if e.default), entries[0] if entries else None)


def resolve_model(name_or_path: str | None) -> Path:
    """A model given by path, by library name, or the default when None."""
    if name_or_path is None:
        entry = default_model()
        if entry is None:
            raise ModelFileError("no model is installed: pass a model file with --model")
        return entry.path
    candidate = Path(name_or_path)
    if candidate.suffix == MODEL_SUFFIX or candidate.exists():
        return candidate
    entries, _ = list_models()
    for entry in entries:
        if name_or_path in (entry.info.name, entry.path.stem, entry.info.title):
            return entry.path
    names = ", ".join(e.info.name for e in entries) or "none installed"
    raise ModelFileError(f"no model named {name_or_path!r} (available: {names})")
