"""The one rule for "best": the base model is a candidate, faithful wants PSNR, photo-realistic wants
NIQE within a PSNR floor; the trainer's best.ckpt follows it."""

from __future__ import annotations

import pytest

from core.training.checkpoint import load_checkpoint
from core.training.events import CheckpointSaved, ValidationDone
from core.training.selection import Candidate, SelectionRule, beats, pick_best
from core.training.trainer import train
from tests.helpers.tiny import tiny_model_file
from tests.helpers.training import collect, make_photos, of_type, tiny_config

PSNR, NIQE = SelectionRule("psnr"), SelectionRule("niqe")
BASE = Candidate(0, 30.0, 0.9, 5.0, is_base=True)


def test_faithful_keeps_the_base_when_no_checkpoint_beats_it_by_more_than_a_hundredth_of_a_db():
    noise = [Candidate(100, 30.005), Candidate(200, 29.5)]
    choice = pick_best(BASE, noise, PSNR)
    assert choice.best == BASE and not choice.improved and "0.01 dB" in choice.reason
    choice = pick_best(BASE, [*noise, Candidate(300, 30.2), Candidate(400, 30.1)], PSNR)
    assert choice.improved and choice.best.step == 300 and "+0.20 dB" in choice.reason


def test_realistic_takes_the_lowest_niqe_within_half_a_db_of_the_base():
    validations = [Candidate(100, 29.0, niqe=3.0),        # most natural, but 1 dB below the base: refused
                   Candidate(200, 29.6, niqe=4.5),
                   Candidate(300, 29.7, niqe=4.0),
                   Candidate(400, 30.1, niqe=4.8)]
    choice = pick_best(BASE, validations, NIQE)
    assert choice.improved and choice.best.step == 300 and "NIQE 4.00 against 5.00" in choice.reason


def test_realistic_without_a_more_natural_checkpoint_is_no_improvement():
    choice = pick_best(BASE, [Candidate(100, 30.0, niqe=5.2), Candidate(200, 28.0, niqe=2.0)], NIQE)
    assert not choice.improved and choice.best.is_base and "more natural" in choice.reason


def test_the_step_0_check_of_the_starting_weights_is_never_a_gain_over_the_base():
    # Seen in a photo-realistic fine-tune: the step-0 check, on the training device's precision, scored
    # NIQE a hair under the base's, was kept as "more natural" and a copy of the base was exported.
    same_weights = Candidate(0, 30.0, 0.9, 4.9999)
    choice = pick_best(BASE, [same_weights, Candidate(100, 30.0, niqe=5.2)], NIQE)
    assert not choice.improved and choice.best.is_base
    choice = pick_best(BASE, [Candidate(0, 30.02, 0.9, 5.0), Candidate(100, 29.0)], PSNR)
    assert not choice.improved


def test_realistic_without_measurable_niqe_takes_the_latest_within_the_floor():
    base = Candidate(0, 30.0, is_base=True)
    choice = pick_best(base, [Candidate(100, 29.8), Candidate(200, 29.0), Candidate(300, 29.6)], NIQE)
    assert choice.improved and choice.best.step == 300


def test_without_a_base_the_first_validation_is_the_starting_point():
    assert not pick_best(None, [Candidate(0, 20.0), Candidate(50, 19.0)], PSNR).improved
    choice = pick_best(None, [Candidate(0, 20.0), Candidate(50, 20.5), Candidate(100, 20.4)], PSNR)
    assert choice.improved and choice.best.step == 50
    assert pick_best(None, [], PSNR).best is None
    assert pick_best(BASE, [Candidate(10, 1.0), Candidate(20, 2.0)], SelectionRule("latest")).best.step == 20


def test_beats_agrees_with_pick_best_and_refuses_non_finite_scores():
    assert not beats(Candidate(5, float("nan"), niqe=1.0), BASE, BASE, NIQE)
    assert beats(Candidate(5, 30.02), BASE, BASE, PSNR) and not beats(Candidate(5, 30.01), BASE, BASE, PSNR)
    assert beats(Candidate(9, 30.5), Candidate(5, 30.4), BASE, PSNR)   # between checkpoints, no margin
    with pytest.raises(ValueError):
        SelectionRule("sharpest")


@pytest.mark.parametrize("psnrs, kept", [((30.0, 30.005, 29.0), 0), ((30.0, 30.2, 30.1), 10)])
def test_trainer_keeps_the_base_until_a_validation_beats_it(tmp_path, monkeypatch, psnrs, kept):
    """Scores scripted (base, then steps 0, 10, 20): best.ckpt follows the rule, not the raw maximum."""
    from core.training import trainer as trainer_module
    from core.training.validation import Scores
    scripted = iter([30.0, *psnrs])
    monkeypatch.setattr(trainer_module, "score_model", lambda *args: Scores(next(scripted), 0.9))
    config = tiny_config(tmp_path, init_from=tiny_model_file(tmp_path), steps=20)
    events = []
    finished = collect(train(config), events)
    assert finished.best_step == kept and load_checkpoint(finished.best_checkpoint)["step"] == kept
    assert [e.step for e in of_type(events, CheckpointSaved) if e.best] == sorted({0, kept})


def test_trainer_best_follows_the_niqe_rule_and_reports_niqe(tmp_path):
    make_photos(tmp_path / "photos", count=5, size=128)                      # NIQE needs a 96 px block
    base = tiny_model_file(tmp_path)
    events = []
    config = tiny_config(tmp_path, init_from=base, phase="gan", best_by="niqe", steps=20, val_every=5,
                         checkpoint_every=5)
    finished = collect(train(config), events)
    validations = of_type(events, ValidationDone)
    assert all(v.niqe is not None and v.base_niqe is not None and v.bicubic_niqe is not None
               for v in validations)
    base_candidate = Candidate(0, validations[0].base_psnr, niqe=validations[0].base_niqe, is_base=True)
    expected = pick_best(base_candidate, [Candidate(v.step, v.psnr, v.ssim, v.niqe) for v in validations], NIQE)
    assert finished.best_step == expected.best.step
    assert load_checkpoint(finished.best_checkpoint)["step"] == expected.best.step
