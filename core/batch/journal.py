"""Crash safety for batches: remember which jobs finished, so a rerun starts where it stopped.

Outputs are written atomically, so a finished output file on disk is always complete; with
"skip existing" that alone makes a rerun resume. With "overwrite", an existing output may be
from an older run, so finished jobs are also appended (one JSON line each, flushed and fsynced)
to a journal in the user data folder, keyed by the output folders, model choice and output
settings, with each source's and output's size and modification time. A rerun skips what the
journal lists if the source is unchanged and the output is still the one this batch wrote (a
run with another model may have replaced it since); a batch that runs to the end deletes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core.common.paths import user_data_dir

JOURNAL_DIR = "batch-journals"


def journal_path(key_parts: list[str]) -> Path:
    """The journal of one batch: the same output folders, model and settings give the same file."""
    digest = hashlib.sha256("\n".join(key_parts).encode("utf-8")).hexdigest()[:24]
    return user_data_dir() / JOURNAL_DIR / f"{digest}.jsonl"


class BatchJournal:
    """Append-only record of finished destinations of one batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.finished: dict[str, str] = self._read()

    def _read(self) -> dict[str, str]:
        """destination -> fingerprints of the source it was made from and of the output written."""
        if not self.path.exists():
            return {}
        finished = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return {}
        for line in lines:
            try:
                entry = json.loads(line)
                finished[str(entry["destination"])] = f'{entry["fingerprint"]}>{entry["output"]}'
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by the crash itself: that job simply runs again
        return finished

    def is_finished(self, source: Path, destination: Path) -> bool:
        """Done in an earlier, interrupted run, from this very source file, and still its output on disk."""
        output = _fingerprint(destination)
        return bool(output) and self.finished.get(str(destination)) == f"{_fingerprint(source)}>{output}"

    def record(self, source: Path, destination: Path) -> None:
        """Note a finished job; durable before returning, so a power cut right after keeps it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        made_from, output = _fingerprint(source), _fingerprint(destination)
        line = json.dumps({"source": str(source), "destination": str(destination),
                           "fingerprint": made_from, "output": output}) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.finished[str(destination)] = f"{made_from}>{output}"

    def discard(self) -> None:
        """The batch ran to its end: nothing left to resume."""
        self.path.unlink(missing_ok=True)
        self.finished.clear()


def _fingerprint(path: Path) -> str:
    """Size and modification time: an edited source is upscaled again, not skipped; "" if missing."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"
