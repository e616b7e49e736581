"""The fine-tune runs store: every fine-tune (wizard or `srgan finetune`) has a folder and a record.

    runs_root()/<id>/run.json      the record (`RunRecord`), written atomically after each event
                    last.ckpt      where training resumes from      best.ckpt   what gets exported
                    preview.png    the latest preview crop          run.lock    held while it trains

    listing = list_runs()                    # newest first; damaged records in listing.damaged
    run = create_run(choices, recipe, plan, title="Holiday (faithful)")
    result = drain(run_finetune(run, control), on_event)   # core.finetune.runner
    finish_run(run, "Holiday (faithful)")                  # core.finetune.finish: export or "no improvement"
    delete_run(run)

States: "running" (a process is training it), "interrupted" (the app closed or crashed mid-run),
"kept" (stopped by the user, or trained and waiting to be named), "finished" (exported, or
found no improvement: nothing to export). A record that says "running" while no process holds
its `run.lock` (a lock the operating system drops when the process dies, `core.common.filelock`)
is listed as interrupted.

Records are files anyone can edit: a damaged one is listed in `damaged` with a reason and never
stops the others from listing, and deleting only ever removes a folder below `runs_root()`.
The single `interrupted.json` of earlier versions is read once and moved into the store.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from core.common.atomic import write_bytes_atomically
from core.common.errors import first_line
from core.common.filelock import is_unlocked, try_lock
from core.common.paths import user_data_dir
from core.finetune.history import LossHistory
from core.finetune.run_record import (  # noqa: F401  (the store's API: records, scores, errors)
    BEST_CHECKPOINT,
    LAST_CHECKPOINT,
    STATES,
    RunError,
    RunRecord,
    Score,
    as_int,
    as_optional_text,
    as_text,
    record_from_json,
)

if TYPE_CHECKING:
    from core.finetune.budget import BudgetPlan
    from core.finetune.recipe import FineTuneChoices, FineTuneRecipe

RECORD_NAME = "run.json"
LOCK_NAME = "run.lock"
PREVIEW_NAME = "preview.png"
OLD_RECORD_NAME = "interrupted.json"            # the single record of earlier versions
_ID = re.compile(r"[0-9]{8}-[0-9]{6}(-[0-9]+)?")


@dataclass(frozen=True)
class RunListing:
    runs: tuple[RunRecord, ...]                      # newest first
    damaged: tuple[tuple[Path, str], ...] = ()       # run folders whose record cannot be read, with why


def runs_root() -> Path:
    return user_data_dir() / "finetune" / "runs"


# -- reading ------------------------------------------------------------------------------------

def list_runs() -> RunListing:
    """Every run, newest first; a stale "running" one is listed as interrupted."""
    migrate_old_record()
    runs, damaged = [], []
    try:
        folders = sorted(p for p in runs_root().iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        folders = []
    for folder in folders:
        if not (folder / RECORD_NAME).exists():
            continue                                   # a folder being created, or not a run
        try:
            runs.append(read_run(folder.name))
        except RunError as exc:
            damaged.append((folder, str(exc)))
    runs.sort(key=lambda r: (r.created, r.id), reverse=True)
    return RunListing(tuple(runs), tuple(damaged))


def read_run(run_id: str) -> RunRecord:
    """The run called `run_id`; RunError when there is none or its record is damaged."""
    if not isinstance(run_id, str) or not _ID.fullmatch(run_id):
        raise RunError(f"{run_id!r} is not a fine-tune run id (they look like 20250101-120000)")
    folder = runs_root() / run_id
    try:
        text = (folder / RECORD_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunError(f"no fine-tune run {run_id}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunError(f"run {run_id}: its record cannot be read ({exc})") from None
    try:
        record = record_from_json(json.loads(text), folder)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise RunError(f"run {run_id}: its record is damaged ({first_line(exc)})") from None
    if record.state == "running" and not is_running(record):
        record = replace(record, state="interrupted")
    return record


def is_running(run: RunRecord) -> bool:
    """Whether a live process holds the run's lock (is training it now)."""
    lock = run.folder / LOCK_NAME
    return lock.exists() and not is_unlocked(lock)


def latest_resumable() -> RunRecord | None:
    """The newest interrupted run that can be resumed (what the app offers at start-up)."""
    return next((r for r in list_runs().runs if r.state == "interrupted" and r.resumable), None)


# -- writing ------------------------------------------------------------------------------------

def new_run_folder() -> Path:
    """A fresh, empty run folder named by the time: its name is the run's id."""
    root = runs_root()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            n += 1


def create_run(choices: FineTuneChoices, recipe: FineTuneRecipe, plan: BudgetPlan, title: str,
               base_title: str = "", overrides: dict[str, Any] | None = None) -> RunRecord:
    """A new run's folder and record (state "kept" until `run_finetune` starts it)."""
    from core.finetune.recipe import build_train_config

    folder = new_run_folder()
    try:
        config = build_train_config(choices, recipe, plan, folder, overrides)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    record = RunRecord(
        id=folder.name, folder=folder, title=title.strip(), photo_folder=str(choices.data_dir),
        base_model=str(choices.base_model) if choices.base_model else None, base_title=base_title,
        mode=choices.mode, photos=choices.photos, created=datetime.now().isoformat(timespec="seconds"),
        state="kept", config=config.to_dict(), total_steps=config.steps, budget_minutes=plan.minutes,
        planned_seconds=plan.seconds)
    return save_run(record)


def save_run(record: RunRecord) -> RunRecord:
    """Write the record (atomically); returns it."""
    if _run_folder_inside_runs(record.folder) is None:
        raise RunError(f"{record.folder} is not a fine-tune run folder")
    text = json.dumps(record.to_json(), indent=1, allow_nan=False)
    write_bytes_atomically(record.folder / RECORD_NAME, text.encode("utf-8"))
    return record


def update_run(record: RunRecord, **changes: Any) -> RunRecord:
    return save_run(replace(record, **changes))


def mark(record: RunRecord, state: str, message: str = "") -> RunRecord:
    if state not in STATES:
        raise ValueError(f"state must be one of {STATES}, got {state!r}")
    return update_run(record, state=state, message=message)


def note_validation(record: RunRecord, step: int, psnr: float, ssim: float, niqe: float | None = None,
                    base: Score | None = None, bicubic: Score | None = None) -> RunRecord:
    """Add a validation to the scoreboard (a repeated step, after a resume, replaces the old row)."""
    rows = [s for s in record.scoreboard if s.step != step] + [Score(step, psnr, ssim, niqe)]
    return update_run(record, scoreboard=tuple(sorted(rows, key=lambda s: s.step)),
                      base=base or record.base, bicubic=bicubic or record.bicubic)


def note_checkpoint(record: RunRecord, step: int, seconds: float | None = None) -> RunRecord:
    return update_run(record, last_step=int(step), seconds=record.seconds if seconds is None else seconds)


def note_losses(record: RunRecord, history: LossHistory) -> RunRecord:
    return update_run(record, losses=history)


def delete_run(record: RunRecord) -> bool:
    """Remove the run's folder; False (nothing removed) if it is training now or not a run folder."""
    folder = _run_folder_inside_runs(record.folder)
    if folder is None or is_running(record):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return not folder.exists()


class RunLock:
    """Held while a process trains the run: `with RunLock(run): ...` (RunError if another holds it)."""

    def __init__(self, record: RunRecord) -> None:
        self.path = record.folder / LOCK_NAME
        self._file: IO[bytes] | None = None

    def __enter__(self) -> RunLock:
        handle = open(self.path, "a+b")                 # noqa: SIM115 - held open until __exit__
        if not try_lock(handle.fileno()):
            handle.close()
            raise RunError(f"run {self.path.parent.name} is being trained by another process")
        self._file = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()                          # closing drops the lock
            self._file = None


def _run_folder_inside_runs(out_dir: Path) -> Path | None:
    """`out_dir` with links and '..' resolved, if that is a folder below the runs folder.

    A record is a file anyone can edit: only ever delete a folder the store could have made,
    never one that '..' or a symbolic link leads out of the data folder to.
    """
    try:
        root = runs_root().resolve()
        folder = Path(out_dir).resolve()
    except (OSError, RuntimeError, ValueError):     # a link loop, a NUL in the name: nothing of ours
        return None
    return folder if root in folder.parents else None


# -- the old single record ----------------------------------------------------------------------

def old_record_path() -> Path:
    return user_data_dir() / "finetune" / OLD_RECORD_NAME


def migrate_old_record() -> RunRecord | None:
    """Move an earlier version's `interrupted.json` into the store (once); returns the run it became.

    The old record named its checkpoint folder (below the runs folder, named like a run id); its
    run becomes an interrupted run there. A record that is damaged, or names any other folder, is
    dropped: it never led to anything but that folder.
    """
    path = old_record_path()
    if not path.exists():
        return None
    try:
        record = _from_old(json.loads(path.read_text(encoding="utf-8")))
        if record is not None and not (record.folder / RECORD_NAME).exists():
            save_run(record)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError,
            UnicodeDecodeError, RunError):
        record = None
    try:
        path.unlink()
    except OSError:
        pass
    return record


def _from_old(data: Any) -> RunRecord | None:
    config, choices = data["config"], data.get("choices") or {}
    folder = _run_folder_inside_runs(Path(config["out_dir"]))
    if folder is None or not folder.is_dir() or not _ID.fullmatch(folder.name):
        return None
    if folder.parent != runs_root().resolve():
        return None
    mode = str(choices["mode"]) if choices.get("mode") in ("faithful", "realistic") else "faithful"
    photos = choices.get("photos")
    steps = as_int(config["steps"])
    return RunRecord(
        id=folder.name, folder=runs_root() / folder.name, title="", photo_folder=as_text(config.get("data_dir")),
        base_model=as_optional_text(choices.get("base_model")), base_title=as_text(choices.get("base_title")),
        mode=mode, photos=photos if isinstance(photos, str) else "clean",
        created=as_text(data.get("started")), state="interrupted", config=dict(config), total_steps=steps,
        last_step=min(as_int(data.get("last_step", 0)), steps))
