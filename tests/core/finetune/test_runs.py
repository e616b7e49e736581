"""The runs store: every fine-tune keeps a record, none is lost, a stale "running" one reads as
interrupted, deleting stays inside the runs folder, the old single record moves in; finishing
exports the best result or, when nothing beat the base model, exports nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.common.events import Cancelled, Control, drain
from core.common.paths import user_data_dir, user_models_dir
from core.finetune.budget import plan_for_steps
from core.finetune.finish import finish_run
from core.finetune.history import MAX_POINTS, LossHistory, LossRecorder
from core.finetune.photos import scan_photos
from core.finetune.recipe import FineTuneChoices, FineTuneRecipe
from core.finetune.runner import run_finetune
from core.finetune.runs import (
    LOCK_NAME,
    RECORD_NAME,
    RunError,
    RunLock,
    create_run,
    delete_run,
    latest_resumable,
    list_runs,
    mark,
    migrate_old_record,
    note_validation,
    old_record_path,
    read_run,
    runs_root,
    update_run,
)
from core.models.library import list_models
from core.models.model_file import load_model
from core.nets.config import DiscriminatorConfig
from tests.helpers.tiny import tiny_model_file
from tests.helpers.training import make_photos

TINY_RECIPE = FineTuneRecipe(batch_size=2, crop_size=32, lr=1e-3, min_crop_detail=0.0, content_loss="mse")
TINY = {"num_workers": 0, "discriminator": DiscriminatorConfig(crop_size=32, base_width=8, dense_width=16)}


def new_run(tmp_path: Path, steps: int = 6, title: str = "Garden", mode: str = "faithful"):
    photos = tmp_path / "photos"
    if not photos.exists():
        make_photos(photos, count=6, size=64)
    summary = drain(scan_photos(photos, min_size=32, thumbnails=False))
    base = tiny_model_file(tmp_path)
    choices = FineTuneChoices(data_dir=photos, base_model=base, mode=mode, held_out=summary.held_out_names(),
                              device="cpu", precision="fp32")
    return create_run(choices, TINY_RECIPE, plan_for_steps(steps), title, base_title="Tiny", overrides=TINY)


def test_several_kept_runs_are_all_listed_newest_first(tmp_path):
    runs = [mark(new_run(tmp_path), "kept") for _ in range(3)]
    listed = list_runs()
    assert [r.id for r in listed.runs] == sorted((r.id for r in runs), reverse=True)
    assert all(r.state == "kept" and r.title == "Garden" for r in listed.runs) and not listed.damaged
    record = read_run(runs[0].id)
    assert record.config["val_files"] and record.train_config().out_dir == runs[0].folder


def test_a_damaged_record_is_skipped_with_a_reason_and_never_hides_the_others(tmp_path):
    good = new_run(tmp_path)
    for name, text in (("20240101-000000", "{not json"), ("20240101-000001", '{"format": "x"}'),
                       ("20240101-000002", json.dumps({**good.to_json(), "state": "dancing"})),
                       ("20240101-000003", json.dumps({**good.to_json(), "preview": "../../etc/passwd"}))):
        (runs_root() / name).mkdir()
        (runs_root() / name / RECORD_NAME).write_text(text)
    listed = list_runs()
    assert [r.id for r in listed.runs] == [good.id]
    assert len(listed.damaged) == 4 and all("damaged" in reason for _, reason in listed.damaged)
    with pytest.raises(RunError, match="not a fine-tune run id"):
        read_run("../../elsewhere")


def test_interrupted_and_kept_read_differently(tmp_path):
    run = new_run(tmp_path)
    run = update_run(run, last_step=40, total_steps=100)
    assert "Interrupted at step 40 of 100" in mark(run, "interrupted").status_text()
    assert mark(run, "kept").status_text() == "Kept for later at step 40 of 100."
    assert "Trained (100 steps" in update_run(run, last_step=100, state="kept").status_text()
    assert "no improvement" in mark(run, "finished").status_text()


def test_a_running_record_whose_process_is_gone_reads_as_interrupted(tmp_path):
    run = mark(new_run(tmp_path), "running")
    with RunLock(run):                                      # this process trains it: running
        assert read_run(run.id).state == "running"
        assert not delete_run(run)                          # never delete a run being trained
        with pytest.raises(RunError, match="another process"):
            RunLock(run).__enter__()
    assert read_run(run.id).state == "interrupted"          # the lock went with its holder
    # A process that dies holding the lock (kill -9) leaves the same free lock behind.
    code = (f"import fcntl, os; f = open({str(run.folder / LOCK_NAME)!r}, 'a+b'); "
            "fcntl.flock(f.fileno(), fcntl.LOCK_EX); os._exit(0)")
    if sys.platform != "win32":
        subprocess.run([sys.executable, "-c", code], check=True)
        assert read_run(run.id).state == "interrupted"


def test_delete_removes_the_folder_and_refuses_folders_outside_the_runs_folder(tmp_path):
    run = new_run(tmp_path)
    (run.folder / "last.ckpt").write_bytes(b"x")
    assert delete_run(run) and not run.folder.exists()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    (runs_root() / "20240101-000009").symlink_to(victim, target_is_directory=True)
    for folder in (victim, runs_root() / "20240101-000009", runs_root() / ".." / "..", runs_root()):
        assert not delete_run(update_run_folder(run, folder))
    assert (victim / "precious.txt").read_text() == "keep me" and runs_root().is_dir()


def update_run_folder(run, folder: Path):
    from dataclasses import replace
    return replace(run, folder=folder)


def test_the_old_single_record_moves_into_the_store_once(tmp_path):
    old_folder = runs_root() / "20230505-101010"
    old_folder.mkdir(parents=True)
    (old_folder / "last.ckpt").write_bytes(b"checkpoint")
    config = {"data_dir": str(tmp_path / "photos"), "out_dir": str(old_folder), "steps": 500}
    old_record_path().write_text(json.dumps({"config": config, "choices": {"mode": "realistic", "base_title": "B"},
                                             "started": "2023-05-05T10:10:10", "last_step": 120}))
    (run,) = list_runs().runs
    assert run.id == "20230505-101010" and run.state == "interrupted" and run.resumable
    assert (run.last_step, run.total_steps, run.mode, run.base_title) == (120, 500, "realistic", "B")
    assert latest_resumable().id == run.id
    assert not old_record_path().exists() and migrate_old_record() is None


@pytest.mark.parametrize("text", ["{not json", '{"config": {"out_dir": "/elsewhere"}}', "[1]",
                                  '{"config": {"out_dir": "runs/a\\u0000b", "steps": 5}}'])
def test_an_old_record_that_leads_nowhere_is_dropped(text):
    old_record_path().parent.mkdir(parents=True, exist_ok=True)
    old_record_path().write_text(text)
    assert list_runs().runs == () and not old_record_path().exists()


def test_the_loss_history_stays_small_and_keeps_the_curve():
    recorder = LossRecorder()
    for step in range(1, 10_001):
        recorder.add(step, {"mse": 1.0 / step})
    history = recorder.history()
    assert MAX_POINTS // 2 <= len(history.points) <= MAX_POINTS
    steps = [s for s, _ in history.points]
    assert steps == sorted(steps) and all(s % history.stride == 0 for s in steps)
    assert history.points[0][1]["mse"] > history.points[-1][1]["mse"]
    assert LossHistory.from_json(json.loads(json.dumps(history.to_json()))) == history
    recorder.truncate_after(5000)
    assert recorder.history().points[-1][0] <= 5000


def test_a_trained_run_is_recorded_and_finishing_exports_its_best(tmp_path):
    run = new_run(tmp_path, steps=6)
    done = drain(run_finetune(run))
    record = read_run(run.id)
    assert record.state == "kept" and record.trained and record.last_step == 6
    assert [s.step for s in record.scoreboard] == [0, 1, 2, 3, 4, 5, 6]
    assert record.base is not None and record.bicubic is not None and record.preview_path.is_file()
    assert record.losses.points and record.best_step == done.finished.best_step
    assert done.selection.improved                          # a random tiny base is easy to beat
    result = finish_run(record, "Garden")
    model, info = load_model(result.model)
    assert info.title == "Garden" and info.provenance["data_folder"] == record.photo_folder
    assert info.provenance["validation"]["psnr"] > info.provenance["validation"]["base_psnr"]
    assert result.model in [e.path for e in list_models()[0]]
    assert read_run(run.id).state == "finished" and not record.best_checkpoint.exists()
    with pytest.raises(RunError, match="already finished"):
        finish_run(read_run(run.id), "Garden 2")


def test_finishing_a_run_that_never_beat_the_base_exports_nothing(tmp_path):
    run = new_run(tmp_path)
    for step, psnr in ((0, 30.0), (10, 29.0), (20, 30.005)):
        run = note_validation(run, step, psnr, 0.9)
    run = update_run(run, base=run.scoreboard[0])
    result = finish_run(run, "Nothing new")
    assert result.model is None and not result.selection.improved
    assert not (user_models_dir() / "nothing-new.safetensors").exists()
    assert read_run(run.id).state == "finished" and "no improvement" in read_run(run.id).status_text()


def test_a_stopped_run_is_kept_resumed_and_carries_on(tmp_path):
    run = new_run(tmp_path, steps=8)
    control = Control()

    def stop_after_three(event):
        if getattr(event, "step", 0) >= 3 and type(event).__name__ == "StepDone":
            control.cancel()

    with pytest.raises(Cancelled):
        drain(run_finetune(run, control), stop_after_three)
    stopped = read_run(run.id)
    assert stopped.state == "interrupted" and stopped.last_step == 3 and stopped.resumable
    assert latest_resumable().id == run.id
    done = drain(run_finetune(stopped))
    assert done.run.trained and read_run(run.id).state == "kept"
    assert [s.step for s in done.run.scoreboard] == list(range(0, 9))
    assert not (run.folder / LOCK_NAME).exists() or not os.path.getsize(run.folder / LOCK_NAME)


def test_the_data_folder_holds_nothing_else(tmp_path):
    new_run(tmp_path)
    assert {p.name for p in (user_data_dir() / "finetune").iterdir()} <= {"runs", "speed.json"}


def test_a_photo_realistic_run_keeps_niqe_in_its_scoreboard_and_finishes_by_the_niqe_rule(tmp_path):
    make_photos(tmp_path / "photos", count=6, size=128)                 # NIQE needs a 96 px block
    run = new_run(tmp_path, steps=4, mode="realistic")
    assert run.train_config().best_by == "niqe"
    done = drain(run_finetune(run))
    record = done.run
    assert all(s.niqe is not None for s in record.scoreboard) and record.base.niqe is not None
    assert record.bicubic.niqe is not None
    expected = record.selection()
    assert record.best_step == (expected.best.step if expected.improved else 0)
    result = finish_run(record, "Garden (GAN)")
    assert (result.model is not None) == expected.improved


def test_a_stored_run_is_planned_by_its_own_schedule_and_the_remembered_step_time(tmp_path, monkeypatch):
    from core.finetune import speed
    from core.finetune.budget import time_left
    from core.finetune.run_plan import plan_of_run
    from core.finetune.speed import speed_for
    from core.training.timing import TimingProgress, Timings

    timings = Timings(0.5, 2.0, 0.5, 0.5, 0.1, 3.0, "cpu", "fp32")

    def fake(config, control=None, min_seconds=0.0):
        yield TimingProgress("Timing training steps", 1, 1)
        return timings

    monkeypatch.setattr(speed, "time_training", fake)
    run = new_run(tmp_path, steps=40)
    unmeasured = plan_of_run(run)                     # never measured: steps only, no time
    assert unmeasured.steps == 40 and unmeasured.split is None and time_left(unmeasured, 10) is None
    drain(speed_for(run.train_config()))
    run = update_run(run, config={**run.config, "val_every": 7})     # a schedule plan_for_steps would not make
    plan = plan_of_run(run)
    assert plan.schedule.val_every == 7 and plan.seconds_per_step == 0.5
    assert plan.seconds_per_validation == pytest.approx(2.5 * 64 * 64 / 1e6)   # one 64 px photo held out
    assert plan.split is not None and plan.split.total > 40 * 0.5
    assert time_left(plan, 35) == pytest.approx(5 * 0.5 + 1 * plan.seconds_per_validation)
