"""One fine-tune run's record: what its run.json holds, how it reads to a user, and the JSON it is
stored as (`core.finetune.runs` keeps the records; a record is a file anyone can edit, so reading
one checks every value and a damaged one raises instead of misleading).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.common.formatting import format_duration
from core.finetune.history import LossHistory
from core.training.selection import Candidate, Selection, SelectionRule, pick_best

if TYPE_CHECKING:
    from core.training.config import TrainConfig

LAST_CHECKPOINT = "last.ckpt"
BEST_CHECKPOINT = "best.ckpt"
FORMAT = "srgan-desktop-finetune-run"
STATES = ("running", "interrupted", "kept", "finished")


class RunError(Exception):
    """A run that cannot be found, read or changed; the message is one line for the user."""


@dataclass(frozen=True)
class Score:
    """Held-out scores of one validation (or of the base model, or of bicubic)."""

    step: int
    psnr: float
    ssim: float | None = None
    niqe: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "psnr": self.psnr, "ssim": self.ssim, "niqe": self.niqe}

    @classmethod
    def from_json(cls, data: Any) -> Score:
        if not isinstance(data, dict):
            raise ValueError("a score is not a table")
        return cls(as_int(data.get("step", 0)), _number(data.get("psnr")), _optional_number(data.get("ssim")),
                   _optional_number(data.get("niqe")))


@dataclass(frozen=True)
class RunRecord:
    """One fine-tune, as its run.json holds it; `folder` is where it was read from (not stored)."""

    id: str
    folder: Path
    title: str                          # the suggested (or, from the CLI, the asked-for) model name
    photo_folder: str
    base_model: str | None              # model file or checkpoint; None: trained from scratch
    base_title: str
    mode: str                           # "faithful" | "realistic"
    created: str                        # ISO time
    state: str
    config: dict[str, Any]              # TrainConfig.to_dict(): how to resume
    total_steps: int
    last_step: int = 0                  # step of the newest last.ckpt
    budget_minutes: float | None = None
    planned_seconds: float | None = None
    seconds: float = 0.0                # training time so far
    photos: str = "clean"
    scoreboard: tuple[Score, ...] = ()  # every validation, step order
    base: Score | None = None           # the base model on the held-out photos
    bicubic: Score | None = None
    losses: LossHistory = field(default_factory=LossHistory)
    preview: str | None = None          # file name in `folder`
    preview_step: int = 0
    best_step: int | None = None        # the step best.ckpt holds
    exported: str | None = None         # the model file a finished run saved
    message: str = ""                   # why it stopped, when it did not stop cleanly

    @property
    def last_checkpoint(self) -> Path:
        return self.folder / LAST_CHECKPOINT

    @property
    def best_checkpoint(self) -> Path:
        return self.folder / BEST_CHECKPOINT

    @property
    def preview_path(self) -> Path | None:
        return self.folder / self.preview if self.preview else None

    @property
    def trained(self) -> bool:
        return self.last_step >= self.total_steps

    @property
    def resumable(self) -> bool:
        """Stopped before its last step, with a checkpoint to carry on from."""
        return self.state in ("interrupted", "kept") and not self.trained and self.last_checkpoint.is_file()

    @property
    def finishable(self) -> bool:
        """Can be named now: not training, not finished, and holding a best checkpoint."""
        return self.state in ("interrupted", "kept") and self.best_checkpoint.is_file()

    def train_config(self) -> TrainConfig:
        """The run's TrainConfig (ValueError/TypeError when the record's copy is damaged)."""
        from core.training.config import TrainConfig
        return replace(TrainConfig.from_dict(self.config), out_dir=self.folder)

    def selection_rule(self) -> SelectionRule:
        from core.finetune.recipe import MODE_BEST_BY
        return SelectionRule(MODE_BEST_BY.get(self.mode, "psnr"))

    def selection(self) -> Selection:
        """The best of the base model and the scoreboard, by the one rule (`core.training.selection`)."""
        base = self.base
        base_candidate = Candidate(0, base.psnr, base.ssim, base.niqe, is_base=True) if base else None
        rows = [Candidate(s.step, s.psnr, s.ssim, s.niqe) for s in self.scoreboard]
        return pick_best(base_candidate, rows, self.selection_rule())

    def status_text(self) -> str:
        """One line for the runs list and `srgan finetune --list`."""
        where = f"step {self.last_step:,} of {self.total_steps:,}"
        if self.state == "running":
            return f"Training: {where}."
        if self.state == "interrupted":
            why = self.message or "the app closed or stopped unexpectedly"
            return f"Interrupted at {where} ({why.rstrip('.')}); it can be resumed."
        if self.state == "kept":
            if self.trained:
                return f"Trained ({self.total_steps:,} steps in {format_duration(self.seconds)}), not saved yet."
            return f"Kept for later at {where}."
        if self.exported:
            return f"Finished: saved as {Path(self.exported).name}."
        return "Finished: no improvement over the base model, nothing saved."

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": 1, "title": self.title, "photo_folder": self.photo_folder,
            "base_model": self.base_model, "base_title": self.base_title, "mode": self.mode,
            "photos": self.photos, "created": self.created, "state": self.state, "config": self.config,
            "total_steps": self.total_steps, "last_step": self.last_step, "budget_minutes": self.budget_minutes,
            "planned_seconds": self.planned_seconds, "seconds": self.seconds,
            "scoreboard": [s.to_json() for s in self.scoreboard],
            "base": self.base.to_json() if self.base else None,
            "bicubic": self.bicubic.to_json() if self.bicubic else None,
            "losses": self.losses.to_json(), "preview": self.preview, "preview_step": self.preview_step,
            "best_step": self.best_step, "exported": self.exported, "message": self.message,
        }



def record_from_json(data: Any, folder: Path) -> RunRecord:
    """The record a run.json holds (ValueError, KeyError, TypeError... when it is damaged)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a fine-tune run record")
    config = data["config"]
    if not isinstance(config, dict):
        raise ValueError("its training settings are not a table")
    state = data["state"]
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    return RunRecord(
        id=folder.name, folder=folder, title=as_text(data.get("title")), photo_folder=as_text(data.get("photo_folder")),
        base_model=as_optional_text(data.get("base_model")), base_title=as_text(data.get("base_title")),
        mode=_choice(data.get("mode"), ("faithful", "realistic")), photos=as_text(data.get("photos") or "clean"),
        created=as_text(data.get("created")), state=state, config=config,
        total_steps=as_int(data["total_steps"]), last_step=as_int(data.get("last_step", 0)),
        budget_minutes=_optional_number(data.get("budget_minutes")),
        planned_seconds=_optional_number(data.get("planned_seconds")), seconds=_number(data.get("seconds", 0.0)),
        scoreboard=tuple(Score.from_json(s) for s in _list(data.get("scoreboard"))),
        base=Score.from_json(data["base"]) if data.get("base") is not None else None,
        bicubic=Score.from_json(data["bicubic"]) if data.get("bicubic") is not None else None,
        losses=LossHistory.from_json(data.get("losses") or {"stride": 1}),
        preview=_file_name(data.get("preview")), preview_step=as_int(data.get("preview_step", 0)),
        best_step=None if data.get("best_step") is None else as_int(data["best_step"]),
        exported=as_optional_text(data.get("exported")), message=as_text(data.get("message")))


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def as_optional_text(value: Any) -> str | None:
    return None if value is None else as_text(value)


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"expected one of {allowed}, got {value!r}")
    return str(value)


def as_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** 53:
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _number(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value or abs(value) > 1e300:
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)


def _list(value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def _file_name(value: Any) -> str | None:
    """A file name inside the run folder (a record naming '../x' or a path is damaged)."""
    name = as_optional_text(value)
    if name is not None and (not name or name != os.path.basename(name) or name in (".", "..")):
        raise ValueError(f"{name!r} is not a file name")
    return name
