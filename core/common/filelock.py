"""Advisory locks on open files, which the operating system drops when their process dies.

A file that is being written (a temp file of `core.common.atomic`, a batch's claim on an
output) is locked by its writer for as long as the work lasts. Whoever finds such a file later
can tell a live writer's file (locked) from one a killed process left behind (free): the lock
needs no clean-up and never goes stale, even after kill -9 or a power cut.
POSIX uses flock (one lock per open file, so two opens in one process also exclude each
other); Windows locks the first byte with msvcrt.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import time
from pathlib import Path

if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def try_lock(fd: int) -> bool:
    """Lock the open file `fd` exclusively without waiting; False when someone else holds it."""
    try:
        _lock(fd)
    except OSError:
        return False
    return True


def is_unlocked(path: str | os.PathLike) -> bool:
    """Whether no live process holds the lock of the file at `path` (False if it cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return try_lock(fd)
    finally:
        os.close(fd)                            # closing drops the lock we may just have taken


def remove_abandoned(folder: str | os.PathLike, names: re.Pattern[str], older_than: float) -> list[Path]:
    """Remove the files in `folder` (not below it) that died with their process; returns what went.

    A file goes only if its whole name matches `names`, it is a plain file (not a link or a
    folder), nothing has written to it for `older_than` seconds, and no live process holds its
    lock. Anything that cannot be checked or removed is left alone.
    """
    folder = Path(folder)
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in entries:
        path = folder / name
        if names.fullmatch(name) and _untouched_for(path, older_than) and is_unlocked(path):
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed


def _untouched_for(path: Path, seconds: float) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime >= seconds
