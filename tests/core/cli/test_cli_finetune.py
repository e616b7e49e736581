"""`srgan finetune`: a time budget in, a better model out (exit 0) or an honest "no improvement"
(exit 1); Ctrl-C keeps the run for --resume; the same held-out photos as the wizard."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli.main import main
from core.common.events import Control, drain
from core.common.paths import user_models_dir
from core.finetune import recipe, speed
from core.finetune.photos import scan_photos
from core.finetune.runs import list_runs, read_run
from core.models.model_file import load_model
from tests.helpers.tiny import tiny_model_file
from tests.helpers.training import make_photos


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Time three tiny steps instead of three seconds of them; train on small batches of small crops."""
    monkeypatch.setattr(speed, "MEASURE_SECONDS", 0.0)
    monkeypatch.setitem(recipe.RECIPES, "cpu", recipe.FineTuneRecipe(batch_size=4, crop_size=64))


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    return make_photos(tmp_path / "garden", count=8, size=128)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return tiny_model_file(tmp_path, name="tiny-base")


def finetune(*args: str) -> int:
    return main(["finetune", *args, "--device", "cpu", "--precision", "fp32"])


def test_a_fine_tune_exports_a_better_model_and_prints_its_scoreboard(photos, base, capsys):
    assert finetune(str(photos), "--base", str(base), "--steps", "8", "--export", "Garden") == 0
    out = capsys.readouterr()
    assert "Saved to your library as \u201cGarden\u201d" in out.out and "--model garden" in out.out
    assert "step 8" in out.out and "vs base" in out.out and "base " in out.out and "bicubic" in out.out
    assert "training steps at" in out.err                     # the budget's one text
    model, info = load_model(user_models_dir() / "garden.safetensors")
    assert info.title == "Garden" and info.provenance["training_photos"] == 7
    (run,) = list_runs().runs
    assert run.state == "finished" and run.exported and run.total_steps == 8


def test_the_cli_holds_out_the_photos_the_wizard_holds_out(photos, base):
    assert finetune(str(photos), "--base", str(base), "--steps", "2", "--export", "Same") in (0, 1)
    (run,) = list_runs().runs
    wizard_summary = drain(scan_photos(photos))                 # what the wizard's photos page runs
    assert tuple(run.config["val_files"]) == wizard_summary.held_out_names()
    assert len(run.config["val_files"]) == 1                    # 8 photos: one in five, at least one


def test_no_improvement_exits_1_and_exports_nothing(photos, base, capsys, monkeypatch):
    from core.training import trainer
    from core.training.validation import Scores
    scores = iter([30.0] + [29.0] * 20)                        # the base model scores best
    monkeypatch.setattr(trainer, "score_model", lambda *args: Scores(next(scores), 0.9))
    assert finetune(str(photos), "--base", str(base), "--steps", "6", "--export", "Worse") == 1
    out = capsys.readouterr().out
    assert "No improvement over the base model: train longer or add photos; nothing exported." in out
    assert not (user_models_dir() / "worse.safetensors").exists()
    assert list_runs().runs[0].state == "finished"


def test_a_taken_name_is_refused_before_anything_starts(photos, base, capsys):
    tiny_model_file(user_models_dir(), name="garden")
    assert finetune(str(photos), "--base", str(base), "--steps", "2", "--export", "Garden") == 2
    assert "already exists" in capsys.readouterr().err and list_runs().runs == ()


def test_a_fractional_minute_budget_plans_a_run_that_fits(photos, base, capsys):
    assert finetune(str(photos), "--base", str(base), "--minutes", "0.05", "--export", "Quick") in (0, 1)
    (run,) = list_runs().runs
    assert run.budget_minutes == 0.05 and run.planned_seconds <= 3.0 and run.total_steps >= 10
    assert run.seconds < 1.5 * 3.0              # loose: tiny steps are mostly Python overhead, hard to time
    assert finetune(str(photos), "--minutes", "0") == 2


class StopsAfter(Control):
    """A Control whose user presses Ctrl-C after `calls` checks (the trainer checks once a step)."""

    calls = 25

    def checkpoint(self) -> None:
        StopsAfter.calls -= 1
        if StopsAfter.calls == 0:
            self.cancel()
        super().checkpoint()


def test_ctrl_c_keeps_the_run_and_resume_finishes_it(photos, base, capsys, monkeypatch):
    import core.cli.finetune as cli
    StopsAfter.calls = 25
    monkeypatch.setattr(cli, "Control", StopsAfter)
    assert finetune(str(photos), "--base", str(base), "--steps", "40", "--export", "Later") == 130
    err = capsys.readouterr().err
    (run,) = list_runs().runs
    assert run.state == "kept" and 0 < run.last_step < 40 and run.resumable
    assert f"srgan finetune --resume {run.id}" in err and "srgan finetune --list" in err
    assert finetune("--list") == 0 and "Kept for later" in capsys.readouterr().out
    monkeypatch.setattr(cli, "Control", Control)
    assert finetune("--resume", run.id) == 0
    assert read_run(run.id).state == "finished" and (user_models_dir() / "later.safetensors").exists()
    assert finetune("--resume", run.id) == 2                   # finished: nothing to resume
    assert finetune("--delete", run.id) == 0 and list_runs().runs == ()
    assert finetune("--delete", run.id) == 2


def test_a_kept_run_can_be_finished_without_training_more(photos, base, monkeypatch):
    import core.cli.finetune as cli
    StopsAfter.calls = 25
    monkeypatch.setattr(cli, "Control", StopsAfter)
    finetune(str(photos), "--base", str(base), "--steps", "40", "--export", "Kept")
    (run,) = list_runs().runs
    assert finetune("--finish", run.id, "--export", "Kept now") in (0, 1)
    assert read_run(run.id).state == "finished"


def test_the_recipe_is_the_one_in_core(photos, base, monkeypatch):
    monkeypatch.setitem(recipe.RECIPES, "cpu", recipe.FineTuneRecipe(batch_size=3, crop_size=64, lr=5e-4))
    finetune(str(photos), "--base", str(base), "--steps", "2", "--export", "Recipe")
    config = list_runs().runs[0].train_config()
    assert (config.batch_size, config.crop_size, config.lr) == (3, 64, 5e-4)


def test_photo_realistic_without_vgg_weights_is_refused_before_anything_starts(photos, base, tmp_path, capsys):
    missing = tmp_path / "no-vgg.pth"
    assert finetune(str(photos), "--base", str(base), "--mode", "photo-realistic", "--vgg-weights", str(missing),
                    "--steps", "2") == 2
    assert "needs VGG19 weights" in capsys.readouterr().err and list_runs().runs == ()
