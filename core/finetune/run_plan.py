"""The plan of a stored run, which a resumed run's time left is counted by.

    plan = plan_of_run(run)                       # the run's schedule, timed where it can be
    seconds = time_left(plan, step, pace)         # core.finetune.budget

A new run's plan comes from its budget (`plan_budget`); a run resumed later (the app started
again, the runs list's Resume) has only its record. Its schedule is in its settings, its step
time is the remembered measurement for those settings (`core.finetune.speed`: none when they
were never measured, and then only steps are known), and its held-out photos' pixels are read
from their headers (a photo gone since counts as a full-size one).
"""

from __future__ import annotations

from pathlib import Path

from core.finetune.budget import BudgetPlan, RunSize, Schedule, plan_for_schedule
from core.finetune.photos import PhotoSummary
from core.finetune.runs import RunRecord
from core.finetune.speed import cached_speed
from core.training.config import TrainConfig


def plan_of_run(run: RunRecord) -> BudgetPlan:
    """The run's schedule with its time by the budget's cost model (ValueError for a damaged record)."""
    config = run.train_config()
    schedule = Schedule(config.steps, config.val_every, config.checkpoint_every, config.preview_every)
    timings = cached_speed(config)
    size = RunSize(held_out_megapixels(config), has_base=config.init_from is not None) if timings else None
    return plan_for_schedule(schedule, timings, size, run.budget_minutes)


def held_out_megapixels(config: TrainConfig) -> float:
    """HR pixels one validation of `config` scores, in millions (PhotoSummary's rule)."""
    from core.imageio.read import ImageReadError, read_image_size
    paths = tuple(Path(config.data_dir) / name for name in config.val_files)
    sizes = {}
    for path in paths:
        try:
            sizes[path] = read_image_size(path)
        except ImageReadError:
            continue                    # gone or damaged: counted as a full-size photo
    summary = PhotoSummary(Path(config.data_dir), paths, (), sizes, validation=paths)
    return summary.held_out_megapixels(config.photo_scale)
