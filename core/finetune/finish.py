"""Finishing a fine-tune: export its best weights into the model library, or say there is nothing
better than the base model and export nothing.

    result = finish_run(run, "Holiday (faithful)")
    if result.model is None: print(NO_IMPROVEMENT)      # result.selection.reason says why

Whether there is something to export is the selection rule's call (`RunRecord.selection()`, the
same `core.training.selection` rule the trainer's best.ckpt follows): the base model is a
candidate, and a run that never beat it ends "finished" with no model. Either way the run's
checkpoints are deleted (a GAN's last.ckpt is hundreds of megabytes); its record, scoreboard and
preview stay, so the runs list still tells what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.finetune.naming import model_destination, model_slug, name_problem
from core.finetune.runs import RunError, RunRecord, is_running, update_run
from core.training.selection import Selection

NO_IMPROVEMENT = "No improvement over the base model: train longer or add photos; nothing exported."


@dataclass(frozen=True)
class FinishResult:
    run: RunRecord                  # the record, now "finished"
    selection: Selection
    model: Path | None              # the exported model file; None: no improvement, nothing exported


def finish_run(run: RunRecord, title: str, description: str = "",
               provenance: dict[str, Any] | None = None) -> FinishResult:
    """Export the run's best checkpoint as `title` (ValueError for a name that cannot be used, checked
    before anything changes), or record that it did not improve on the base; RunError when the run
    is training or already finished."""
    if is_running(run) or run.state == "running":
        raise RunError(f"run {run.id} is still training; stop it first")
    if run.state == "finished":
        raise RunError(f"run {run.id} is already finished ({run.status_text()})")
    selection = run.selection()
    if not selection.improved:
        _drop_checkpoints(run)
        return FinishResult(update_run(run, state="finished", message=selection.reason), selection, None)
    problem = name_problem(title)
    if problem:
        raise ValueError(problem)
    model = _export(run, selection, title, description, provenance or {})
    _drop_checkpoints(run)
    return FinishResult(update_run(run, state="finished", exported=str(model), title=title.strip(), message=""),
                        selection, model)


def _export(run: RunRecord, selection: Selection, title: str, description: str,
            provenance: dict[str, Any]) -> Path:
    from core.training.checkpoint import CheckpointError, load_checkpoint
    from core.training.export import export_model

    best = selection.best
    try:
        kept_step = load_checkpoint(run.best_checkpoint).get("step")
    except CheckpointError as exc:
        raise RunError(f"run {run.id}: {exc}") from None
    if best is None or kept_step != best.step:
        raise RunError(f"run {run.id}: best.ckpt holds step {kept_step}, not the chosen step "
                       f"{best.step if best else '?'}; resume the run to bring them together")
    story = {"made_by": "SRGAN Desktop fine-tune", "run": run.id, "mode": run.mode,
             "base_model": run.base_title or (Path(run.base_model).stem if run.base_model else "none (from scratch)"),
             "base_model_file": run.base_model, "data_folder": run.photo_folder,
             "budget_minutes": run.budget_minutes, "selection": selection.reason,
             "validation": _validation_story(run, best.step)}
    story = {**provenance, **story}             # the run's own record has the last word on its scores
    return export_model(run.best_checkpoint, model_destination(title), name=model_slug(title), title=title.strip(),
                        description=description, extra_provenance=story)


def _validation_story(run: RunRecord, step: int) -> dict[str, float]:
    """The exported step's held-out scores next to the base model's and bicubic's."""
    row = next((s for s in run.scoreboard if s.step == step), None)
    story: dict[str, float] = {}
    for prefix, score in (("", row), ("base_", run.base), ("bicubic_", run.bicubic)):
        if score is None:
            continue
        for name in ("psnr", "ssim", "niqe"):
            value = getattr(score, name)
            if value is not None:
                story[f"{prefix}{name}"] = round(float(value), 4)
    return story


def _drop_checkpoints(run: RunRecord) -> None:
    for path in (run.last_checkpoint, run.best_checkpoint):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass                    # a checkpoint left behind only costs disk space
