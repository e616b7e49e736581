"""Claims on outputs, so two batches into one folder never upscale the same image twice.

Before a file is upscaled, the runner claims its destination: it creates (or opens) the hidden
`.<output name>.srgan-claim` beside it and locks it (`core.common.filelock`). Another run that
finds the lock taken skips the file; the lock of a claim whose process died is free, so the
claim is simply taken over. A claim is removed when its job ends, whatever the outcome, and
claims of dead runs are cleared when the next run starts (`remove_stale_claims`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from core.common.atomic import STALE_AFTER_SECONDS
from core.common.filelock import remove_abandoned, try_lock

CLAIM_SUFFIX = ".srgan-claim"           # no longer than a temp file's ".<random>.part": the plan's name check covers it
CLAIM_NAME = re.compile(r"\..+\.srgan-claim", re.DOTALL)
_TRIES = 3


class OutputClaim:
    """This process's claim on one output file; `release()` when the job ends."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    def release(self) -> None:
        if self._fd < 0:
            return
        if os.name == "posix":              # removed while still locked: nobody can take over a dying claim
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1
        if os.name != "posix":              # Windows removes no open file
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                pass                        # another run opened it meanwhile; the next start clears it


def claim_path(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}{CLAIM_SUFFIX}")


def claim_output(destination: Path) -> OutputClaim | None:
    """Claim `destination` for this process; None when a live run holds it. OSError if the folder refuses."""
    path = claim_path(destination)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_TRIES):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        if not try_lock(fd):
            os.close(fd)
            return None
        if _still_named(fd, path):
            os.write(fd, f"{os.getpid()}\n".encode())
            return OutputClaim(path, fd)
        os.close(fd)                        # its holder released it between our open and our lock: again
    return None


def remove_stale_claims(folder: Path) -> list[Path]:
    """Clear the claims that runs which died left in `folder`."""
    return remove_abandoned(folder, CLAIM_NAME, STALE_AFTER_SECONDS)


def _still_named(fd: int, path: Path) -> bool:
    """Whether the file we locked is still the one at `path` (not one removed since we opened it)."""
    try:
        ours, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (ours.st_dev, ours.st_ino) == (named.st_dev, named.st_ino)
