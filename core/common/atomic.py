"""Writing a file so that it is either the old one or the complete new one, never half of either.

Every file the engine writes whole (images, model files, checkpoints, the fine-tune run record)
goes through `write_atomically`: a hidden temp file beside the target, fsynced, then renamed over
it. A crash, a full disk or a cancel leaves the previous file untouched and no temp file behind.
The result gets the mode any other new file would get (0666 less the umask, e.g. 0644), not the
owner-only 0600 of the temp file it was written as.

Only kill -9 or a power cut in the middle of a write can leave the temp file
(`.<name>.<random>.part`). Its writer holds a lock on it until the rename
(`core.common.filelock`), so `remove_stale_partials`, run by the next batch into that folder
and the next training run in that run folder, removes exactly the temp files no live process
is writing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from core.common.filelock import remove_abandoned, try_lock

Writer = Callable[[BinaryIO], object]

PARTIAL_SUFFIX = ".part"
RANDOM_LENGTH = 8                   # the random part tempfile.mkstemp puts into a name
DEFAULT_NAME_MAX = 255              # bytes in a file name on every common file system
# Exactly the names write_atomically's temp files get: "." + target name + "." + tempfile's
# 8 random characters (a-z, 0-9, _) + ".part". Nothing else in a folder is ever removed.
PARTIAL_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.part", re.DOTALL)
# A live writer keeps its temp file locked; the age only guards the instants between creating the
# file and locking it, and (on Windows, which cannot rename an open file) closing and renaming it.
STALE_AFTER_SECONDS = 60.0
# POSIX renames a file that is still open, so the lock lasts until the target is in place.
_RENAME_WHILE_OPEN = os.name == "posix"


class FolderNotWritable(OSError):
    """The target's folder cannot be created, or no new file can be made in it."""


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which races with other threads.
_UMASK = _current_umask()


def write_atomically(path: str | os.PathLike, write: Writer) -> Path:
    """Write `path` through `write(file)` (a binary file object), all or nothing; returns the path.

    Raises `FolderNotWritable` when the folder is the problem, and re-raises whatever `write`
    or the file system raised otherwise (the temp file removed).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise FolderNotWritable(exc.errno, exc.strerror or str(exc), str(path.parent)) from exc
    try:
        with os.fdopen(fd, "w+b") as f:
            try_lock(f.fileno())                       # held until the rename: a live writer's file
            write(f)
            f.flush()
            os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~_UMASK)             # mkstemp makes 0600; these are ordinary files
            if _RENAME_WHILE_OPEN:
                os.replace(tmp, path)
        if not _RENAME_WHILE_OPEN:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_stale_partials(folder: str | os.PathLike, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove the temp files of writes that died in `folder` (not below it); returns what was removed.

    Only files named exactly as `write_atomically` names them, untouched for `older_than`
    seconds and locked by no live process (`core.common.filelock.remove_abandoned`).
    """
    return remove_abandoned(folder, PARTIAL_NAME, older_than)


def longest_target_name(folder: str | os.PathLike) -> int:
    """The longest name (UTF-8 bytes) `write_atomically` can write into `folder`.

    The temp file's name is the target's with a dot, a random part and `.part` around it,
    so it needs that much more room than the file system's limit on a name leaves.
    """
    overhead = len(f".{'x' * RANDOM_LENGTH}{PARTIAL_SUFFIX}") + 1
    return _name_max(Path(folder)) - overhead


def _name_max(folder: Path) -> int:
    """The file system's limit on one name in `folder` (or its nearest existing parent)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        return int(os.pathconf(existing, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):   # no pathconf (Windows), or the file system will not say
        return DEFAULT_NAME_MAX


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """`write_atomically` for content already in memory."""
    return write_atomically(path, lambda f: f.write(data))
