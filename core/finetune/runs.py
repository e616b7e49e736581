"""A fine-tune's life outside the training loop: the resume record and the saved model.

While a fine-tune runs, a small JSON record in the user's data folder names its config and
checkpoint folder. Finishing (or discarding) the run removes it; a record that is still
there at the next start means the app was closed mid-training, and the wizard offers to
resume from the run's last checkpoint. The finished model goes into the user's model
library (`core.common.paths.user_models_dir()`), where every model picker finds it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from core.common.atomic import write_bytes_atomically
from core.common.paths import user_data_dir, user_models_dir
from core.models.model_file import MODEL_SUFFIX

RECORD_NAME = "interrupted.json"
LAST_CHECKPOINT = "last.ckpt"
BEST_CHECKPOINT = "best.ckpt"
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class RunRecord:
    """What is needed to pick a fine-tune up again: its config and the wizard's choices."""

    config: dict[str, Any]          # TrainConfig.to_dict()
    choices: dict[str, Any]         # base model, mode, folder: for the finish page's metadata
    started: str                    # ISO time, shown in the resume question
    last_step: int = 0              # step of the newest checkpoint, shown in the resume question

    @property
    def out_dir(self) -> Path:
        return Path(self.config["out_dir"])

    @property
    def last_checkpoint(self) -> Path:
        return self.out_dir / LAST_CHECKPOINT

    @property
    def resumable(self) -> bool:
        return self.last_checkpoint.is_file()

    def train_config(self):
        from core.training.config import TrainConfig
        return TrainConfig.from_dict(self.config)


def record_path() -> Path:
    return user_data_dir() / "finetune" / RECORD_NAME


def write_run_record(config: Any, choices: dict[str, Any]) -> RunRecord:
    """Remember a starting run (atomically), so closing the app mid-training can be undone."""
    record = RunRecord(config=config.to_dict(), choices=_jsonable(choices),
                       started=datetime.now().isoformat(timespec="seconds"))
    _write(record)
    return record


def note_checkpoint(step: int) -> None:
    """Remember how far the run got (the resume question says so); no-op without a record."""
    record = read_run_record()
    if record is not None and step > record.last_step:
        _write(replace(record, last_step=int(step)))


def _write(record: RunRecord) -> None:
    text = json.dumps({"config": record.config, "choices": record.choices, "started": record.started,
                       "last_step": record.last_step}, indent=2)
    write_bytes_atomically(record_path(), text.encode("utf-8"))


def read_run_record() -> RunRecord | None:
    """The interrupted run's record, or None (a damaged record counts as none)."""
    path = record_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = RunRecord(config=dict(data["config"]), choices=dict(data.get("choices") or {}),
                           started=str(data.get("started", "")), last_step=int(data.get("last_step", 0)))
        if not isinstance(record.config.get("out_dir"), str):
            return None                             # every use of a record needs its folder
        return record
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
        return None


def has_resumable_run() -> bool:
    record = read_run_record()
    return record is not None and record.resumable


def clear_run_record(delete_checkpoints: bool = False) -> None:
    """Forget the interrupted run; optionally delete its checkpoint folder too."""
    record = read_run_record()
    record_path().unlink(missing_ok=True)
    if delete_checkpoints and record is not None:
        folder = _run_folder_inside_runs(record.out_dir)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _run_folder_inside_runs(out_dir: Path) -> Path | None:
    """`out_dir` with links and '..' resolved, if that is a folder below the wizard's runs folder.

    The record is a file anyone can edit: only ever delete a folder the wizard could have made,
    never one that '..' or a symbolic link leads out of the data folder to.
    """
    try:
        runs_root = (user_data_dir() / "finetune" / "runs").resolve()
        folder = out_dir.resolve()
    except (OSError, RuntimeError, ValueError):     # a link loop, a NUL in the name: nothing of ours
        return None
    return folder if runs_root in folder.parents else None


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in values.items()}


# -- naming and saving ------------------------------------------------------------------------

def model_slug(title: str) -> str:
    """A file-system-safe name: "Holiday photos (2024)" -> "holiday-photos-2024"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.strip().lower()).strip("-")
    return slug[:MAX_NAME_LENGTH].strip("-")


def model_destination(title: str, models_dir: Path | None = None) -> Path:
    return (models_dir or user_models_dir()) / f"{model_slug(title)}{MODEL_SUFFIX}"


def name_problem(title: str, models_dir: Path | None = None) -> str:
    """Why a model name cannot be used, in one line; "" when it is fine."""
    if not title.strip():
        return "Give the model a name."
    if len(title.strip()) > MAX_NAME_LENGTH:
        return f"Use at most {MAX_NAME_LENGTH} characters."
    if not model_slug(title):
        return "Use at least one letter or digit in the name."
    if model_destination(title, models_dir).exists():
        return f"A model called \u201c{title.strip()}\u201d already exists; choose another name."
    return ""


def suggest_name(folder: Path | None, mode: str) -> str:
    """A default name from the photo folder: "Holiday (photo-realistic)"."""
    base = (folder.name if folder else "") or "My photos"
    words = "photo-realistic" if mode == "realistic" else "faithful"
    title, n = f"{base} ({words})", 2
    while model_destination(title).exists():
        title, n = f"{base} ({words}) {n}", n + 1
    return title


def save_finetuned_model(checkpoint: Path, title: str, provenance: dict[str, Any],
                         description: str = "") -> Path:
    """Export the checkpoint's generator into the user's model library; returns the file.

    Refuses a name already taken (never overwrites another model).
    """
    from core.training.trainer import export_model

    problem = name_problem(title)
    if problem:
        raise ValueError(problem)
    destination = model_destination(title)
    return export_model(Path(checkpoint), destination, name=model_slug(title), title=title.strip(),
                        description=description, extra_provenance=_jsonable(provenance))
