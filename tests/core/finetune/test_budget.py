"""Time budgets: the plan fills the minutes with what the trainer really does; the step time is
measured once per settings and remembered; one text for every page."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from core.common.events import drain
from core.finetune import speed
from core.finetune.budget import (
    MAX_VALIDATION_SHARE,
    RunSize,
    budget_text,
    estimate_seconds,
    plan_budget,
    plan_for_steps,
    schedule_for,
    time_left,
)
from core.finetune.speed import cache_path, cached_speed, note_run_speed, speed_for
from core.training.events import CheckpointSaved, PreviewReady, ValidationDone
from core.training.timing import TimingProgress, Timings, time_training
from core.training.trainer import train
from tests.helpers.tiny import tiny_model_file
from tests.helpers.training import collect, of_type, tiny_config

TIMINGS = Timings(seconds_per_step=1.0, seconds_per_val_megapixel=2.0, seconds_per_metric_megapixel=0.5,
                  seconds_per_checkpoint=0.5, seconds_per_best=0.1, seconds_startup=3.0, device="cpu",
                  precision="fp32")
SIZE = RunSize(held_out_megapixels=1.0, photo_megapixels=50.0)


def test_the_plan_fills_the_budget_and_no_more():
    plan = plan_budget(15, TIMINGS, SIZE)
    assert plan.problem == "" and plan.schedule.validations == 11        # step 0 and ten more
    assert 0.97 * 900 <= plan.seconds <= 900
    one_more = estimate_seconds(schedule_for(plan.steps + 1), TIMINGS, SIZE).total
    assert one_more > 900
    assert plan.split.validation == pytest.approx(11 * 2.5 + 2.5 + 0.5)  # + the base model and bicubic once
    assert plan_for_steps(plan.steps, TIMINGS, SIZE).seconds == pytest.approx(plan.seconds)


def test_slow_validation_gets_fewer_checks_not_less_training():
    slow = RunSize(held_out_megapixels=20.0, photo_megapixels=50.0)          # 50 s per check
    plan = plan_budget(15, TIMINGS, slow)
    periodic = plan.schedule.validations - 1
    assert 2 <= periodic < 10
    assert periodic * 50 <= MAX_VALIDATION_SHARE * 900
    assert plan.seconds <= 900


def test_a_budget_too_short_for_the_fixed_costs_says_how_long_is_needed():
    plan = plan_budget(0.1, TIMINGS, SIZE)
    assert plan.problem.startswith("6 s is too short") and "at least 1 min" in plan.problem
    assert plan.steps >= 10


def test_one_text_for_every_page():
    plan = plan_budget(15, TIMINGS, SIZE)
    text = budget_text(plan, "CPU (2 threads)")
    assert text.startswith("About 15 minutes on CPU (2 threads): ")
    assert f"{plan.steps:,} training steps at 1.00 s each and 11 checks of the held-out photos" in text
    assert budget_text(plan_for_steps(300)) == "300 training steps (time not measured yet)."


def test_time_left_counts_the_remaining_steps_and_checks():
    plan = plan_for_steps(100, TIMINGS, SIZE)             # a check every 10 steps, 2.5 s each
    assert time_left(plan, 0) == pytest.approx(100 * 1.0 + 10 * 2.5)
    assert time_left(plan, 95, seconds_per_step=2.0) == pytest.approx(5 * 2.0 + 1 * 2.5)
    assert time_left(plan, 100) == 0.0 and time_left(plan_for_steps(100), 0) is None


def test_the_cost_model_counts_what_the_trainer_does(tmp_path):
    schedule = schedule_for(23, validations=4)
    config = tiny_config(tmp_path, steps=schedule.steps, val_every=schedule.val_every,
                         checkpoint_every=schedule.checkpoint_every, preview_every=schedule.preview_every)
    events = []
    collect(train(config), events)
    assert len(of_type(events, ValidationDone)) == schedule.validations
    assert len([e for e in events if isinstance(e, CheckpointSaved) and not e.best]) + 1 == schedule.checkpoints
    assert len(of_type(events, PreviewReady)) == schedule.previews


def test_timing_a_tiny_run_reports_every_part(tmp_path):
    events = []
    timings = collect(time_training(tiny_config(tmp_path, best_by="niqe"), min_seconds=0.0), events)
    assert all(isinstance(e, TimingProgress) for e in events)
    assert timings.seconds_per_step > 0 and timings.seconds_per_val_megapixel > 0
    assert timings.seconds_per_metric_megapixel > 0 and timings.seconds_per_checkpoint > 0
    assert timings.device == "cpu"


@pytest.fixture
def fake_measurements(monkeypatch):
    """time_training replaced by a counter: the cache's behaviour, without timing anything."""
    calls = []

    def fake(config, control=None, min_seconds=0.0):
        calls.append(config)
        yield TimingProgress("Timing training steps", 1, 1)
        return replace(TIMINGS, seconds_per_step=0.1 * config.batch_size)

    monkeypatch.setattr(speed, "time_training", fake)
    return calls


def test_step_time_is_measured_once_per_settings_and_model_file(tmp_path, fake_measurements):
    base = tiny_model_file(tmp_path)
    config = tiny_config(tmp_path, init_from=base)
    assert drain(speed_for(config)).seconds_per_step == pytest.approx(0.4)
    assert drain(speed_for(config)).seconds_per_step == pytest.approx(0.4)
    assert len(fake_measurements) == 1                                   # the second came from the cache
    assert drain(speed_for(replace(config, batch_size=8))).seconds_per_step == pytest.approx(0.8)
    assert len(fake_measurements) == 2                                   # another batch size: measured
    os.utime(base, ns=(1, 1))                                            # the model file changed
    drain(speed_for(config))
    assert len(fake_measurements) == 3
    assert cached_speed(replace(config, init_from=tiny_model_file(tmp_path, name="other"))) is None
    drain(speed_for(config, remeasure=True))
    assert len(fake_measurements) == 4


def test_a_real_run_refines_the_cached_step_time(tmp_path, fake_measurements):
    config = tiny_config(tmp_path)
    drain(speed_for(config))
    note_run_speed(config, 0.25)
    assert cached_speed(config).seconds_per_step == 0.25
    assert cached_speed(config).seconds_per_checkpoint == TIMINGS.seconds_per_checkpoint


@pytest.mark.parametrize("damage", [b"{not json", b"[]", b'{"version": 1, "entries": 5}',
                                    b'{"version": 1, "entries": [{"key": 1, "timings": {}}]}', b"\xff\xfe"])
def test_a_damaged_cache_counts_as_no_cache(tmp_path, fake_measurements, damage):
    config = tiny_config(tmp_path)
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_bytes(damage)
    assert cached_speed(config) is None
    assert drain(speed_for(config)).seconds_per_step == pytest.approx(0.4)
    assert cached_speed(config) is not None and len(fake_measurements) == 1


def test_a_cached_entry_with_impossible_numbers_is_measured_again(tmp_path, fake_measurements):
    config = tiny_config(tmp_path)
    drain(speed_for(config))
    text = cache_path().read_text().replace('"seconds_per_step": 0.4', '"seconds_per_step": -1')
    cache_path().write_text(text)
    assert cached_speed(config) is None
