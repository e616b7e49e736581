"""A fine-tune's time budget: the user picks minutes, the plan picks the steps that fill them.

    timings = drain(speed_for(config), show)           # core.finetune.speed: measured once, cached
    plan = plan_budget(60, timings, RunSize.of(summary))
    label.setText(budget_text(plan, "CPU (2 threads)")) # the one text every page and the CLI show

The cost model (`estimate_seconds`) counts what the trainer really does with a schedule:
start-up (networks, content loss, base weights: timed) and decoding the photos (a fixed rate per
megapixel, a few seconds for a typical folder); scoring the base model and bicubic once; the step-0
validation and one every `val_every` steps and at the end, each the generator's forward pass plus
PSNR/SSIM (and NIQE for photo-realistic) over the held-out pixels (both timed per megapixel on a
512 px photo, times the held-out photos' real pixel count); last.ckpt at step 0, every
`checkpoint_every` steps and at the end, best.ckpt at most once per validation (both timed);
a preview every `preview_every` steps (a 192 px crop); and the steps (timed).

`plan_budget` aims at TARGET_VALIDATIONS validations, fewer when they would take more than
MAX_VALIDATION_SHARE of the budget (slow held-out scoring must not eat the training), at least
MIN_VALIDATIONS; then takes the most steps whose whole run fits the budget. `plan_for_steps`
runs the same model the other way (a step count -> its time), for runs planned by steps, and
`plan_for_schedule` for a schedule already made (a stored run's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.common.formatting import format_duration

if TYPE_CHECKING:
    from core.finetune.photos import PhotoSummary
    from core.training.timing import Timings

BUDGET_PRESETS = (("15 minutes", 15.0), ("1 hour", 60.0), ("Overnight (8 hours)", 480.0))
TARGET_VALIDATIONS = 10         # after step 0: enough points for the chart and for picking the best
MIN_VALIDATIONS = 2
MAX_VALIDATION_SHARE = 0.2
TARGET_PREVIEWS = 40
MIN_STEPS = 10
# Decoding a photo and shrinking it 4x (Pillow, one core): ~20 ms per megapixel for JPEG and PNG alike
# on a 2-core laptop CPU; the trainer decodes on up to 4 threads, which this leaves out (a bound).
DECODE_SECONDS_PER_MEGAPIXEL = 0.02
PREVIEW_MEGAPIXELS = 192 * 192 / 1e6


@dataclass(frozen=True)
class RunSize:
    """The pixels a run handles besides its training crops."""

    held_out_megapixels: float = 0.0    # HR pixels one validation scores
    photo_megapixels: float = 0.0       # pixels decoded before the first step
    has_base: bool = True               # a base model to score at the start

    @classmethod
    def of(cls, summary: PhotoSummary, photo_scale: float = 1.0, has_base: bool = True) -> RunSize:
        return cls(summary.held_out_megapixels(photo_scale), summary.megapixels(photo_scale), has_base)


@dataclass(frozen=True)
class Schedule:
    """The step count and intervals a `TrainConfig` takes (`build_train_config`)."""

    steps: int
    val_every: int
    checkpoint_every: int
    preview_every: int

    def __post_init__(self) -> None:
        if min(self.steps, self.val_every, self.checkpoint_every, self.preview_every) < 1:
            raise ValueError(f"a schedule needs positive steps and intervals, got {self}")

    @property
    def validations(self) -> int:
        """Validations the trainer runs: step 0, every `val_every` steps, and the last step."""
        return 1 + _events(self.steps, self.val_every)

    @property
    def checkpoints(self) -> int:
        return 1 + _events(self.steps, self.checkpoint_every)

    @property
    def previews(self) -> int:
        return _events(self.steps, self.preview_every)


def _events(steps: int, every: int) -> int:
    """How many of steps 1..steps are multiples of `every` or the last one."""
    return steps // every + (1 if steps % every else 0)


def schedule_for(steps: int, validations: int = TARGET_VALIDATIONS) -> Schedule:
    """About `validations` validations (and last.ckpts) and TARGET_PREVIEWS previews over `steps`."""
    steps = max(1, int(steps))
    val_every = max(1, math.ceil(steps / max(1, validations)))
    return Schedule(steps, val_every, val_every, max(1, math.ceil(steps / TARGET_PREVIEWS)))


@dataclass(frozen=True)
class TimeSplit:
    """Where a run's seconds go."""

    training: float                     # the steps
    validation: float                   # base and bicubic scores, every validation
    overhead: float                     # start-up, decoding, checkpoints, previews

    @property
    def total(self) -> float:
        return self.training + self.validation + self.overhead


def seconds_per_validation(timings: Timings, size: RunSize) -> float:
    per_megapixel = timings.seconds_per_val_megapixel + timings.seconds_per_metric_megapixel
    return per_megapixel * size.held_out_megapixels


def estimate_seconds(schedule: Schedule, timings: Timings, size: RunSize) -> TimeSplit:
    """The cost model (see the module doc): how long a run with `schedule` takes here."""
    one_validation = seconds_per_validation(timings, size)
    bicubic = timings.seconds_per_metric_megapixel * size.held_out_megapixels
    baselines = (one_validation if size.has_base else 0.0) + bicubic
    validation = schedule.validations * one_validation + baselines
    saving = schedule.checkpoints * timings.seconds_per_checkpoint + schedule.validations * timings.seconds_per_best
    previews = (schedule.previews + 1) * timings.seconds_per_val_megapixel * PREVIEW_MEGAPIXELS
    decoding = DECODE_SECONDS_PER_MEGAPIXEL * size.photo_megapixels
    overhead = timings.seconds_startup + decoding + saving + previews
    return TimeSplit(schedule.steps * timings.seconds_per_step, validation, overhead)


@dataclass(frozen=True)
class BudgetPlan:
    """What a run will do and how long it should take; `problem` is "" or why the budget cannot work."""

    schedule: Schedule
    minutes: float | None = None        # the budget asked for; None when planned from a step count
    seconds_per_step: float | None = None
    split: TimeSplit | None = None      # None without timings
    seconds_per_validation: float = 0.0
    problem: str = ""

    @property
    def steps(self) -> int:
        return self.schedule.steps

    @property
    def seconds(self) -> float | None:
        return self.split.total if self.split is not None else None


def plan_budget(minutes: float, timings: Timings, size: RunSize) -> BudgetPlan:
    """The most steps whose whole run (see `estimate_seconds`) fits in `minutes`."""
    budget = max(0.0, float(minutes)) * 60.0
    one_validation = seconds_per_validation(timings, size)
    affordable = int(MAX_VALIDATION_SHARE * budget / one_validation) if one_validation > 0 else TARGET_VALIDATIONS
    validations = max(MIN_VALIDATIONS, min(TARGET_VALIDATIONS, affordable))

    def cost(steps: int) -> float:
        return estimate_seconds(schedule_for(steps, validations), timings, size).total

    low, high = 0, max(1, math.ceil(budget / max(timings.seconds_per_step, 1e-9)) + 1)
    while low < high:                                   # the largest step count that still fits
        middle = (low + high + 1) // 2
        if cost(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    problem = ""
    if low < MIN_STEPS:
        needed = math.ceil(cost(MIN_STEPS) / 60.0)
        problem = (f"{format_duration(budget)} is too short on this computer: setting up, checking the "
                   f"held-out photos and saving take most of it. Choose at least {needed} min.")
        low = MIN_STEPS
    schedule = schedule_for(low, validations)
    return BudgetPlan(schedule, float(minutes), timings.seconds_per_step, estimate_seconds(schedule, timings, size),
                      one_validation, problem)


def plan_for_steps(steps: int, timings: Timings | None = None, size: RunSize | None = None) -> BudgetPlan:
    """A run of `steps` steps, with its time when `timings` are known."""
    return plan_for_schedule(schedule_for(steps), timings, size)


def plan_for_schedule(schedule: Schedule, timings: Timings | None = None, size: RunSize | None = None,
                      minutes: float | None = None) -> BudgetPlan:
    """A run with `schedule` (a stored run's own: `core.finetune.run_plan`), timed when `timings` are known."""
    if timings is None:
        return BudgetPlan(schedule, minutes)
    size = size or RunSize()
    return BudgetPlan(schedule, minutes, timings.seconds_per_step, estimate_seconds(schedule, timings, size),
                      seconds_per_validation(timings, size))


def budget_text(plan: BudgetPlan, device_words: str = "") -> str:
    """The estimate every page and the CLI show, e.g. "About 15 minutes on CPU (2 threads):
    612 training steps at 1.21 s each and 11 checks of the held-out photos (1 min 20 s)."."""
    where = f" on {device_words}" if device_words else ""
    if plan.split is None or plan.seconds_per_step is None:
        return f"{plan.steps:,} training steps{where} (time not measured yet)."
    text = (f"{format_duration(plan.split.total, rounded=True).capitalize()}{where}: {plan.steps:,} training "
            f"steps at {plan.seconds_per_step:.2f} s each and {plan.schedule.validations} checks of the held-out "
            f"photos ({format_duration(plan.split.validation)}).")
    return f"{text} {plan.problem}" if plan.problem else text


def time_left(plan: BudgetPlan, step: int, seconds_per_step: float | None = None) -> float | None:
    """Seconds until the run ends from `step`, by the plan's model; `seconds_per_step` (the pace seen
    so far) replaces the planned one when given. None without timings."""
    pace = seconds_per_step or plan.seconds_per_step
    if pace is None or plan.split is None:
        return None
    s = plan.schedule
    if step >= s.steps:
        return 0.0
    validations_left = _events(s.steps, s.val_every) - step // s.val_every
    return (s.steps - step) * pace + validations_left * plan.seconds_per_validation
