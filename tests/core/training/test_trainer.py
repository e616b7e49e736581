"""The trainer: both phases learn, resume is exact, failures are handled the documented way."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.common.events import Cancelled, Control
from core.models.model_file import load_model
from core.training import trainer
from core.training.checkpoint import compact_checkpoint, load_checkpoint
from core.training.config import TrainConfig
from core.training.degradations import DegradationConfig
from core.training.events import (
    CheckpointSaved,
    DivergenceDetected,
    PreviewReady,
    StepDone,
    TrainingError,
    TrainingFailed,
    TrainingFinished,
    TrainingStarted,
    ValidationDone,
)
from core.training.run_data import prepare_data
from core.training.steps import StepStats
from core.training.trainer import export_model, measure_step_time, train
from tests.helpers.tiny import tiny_model_file
from tests.helpers.training import collect, of_type, tiny_config


def mean_loss(steps: list[StepDone], key: str) -> float:
    return float(np.mean([s.losses[key] for s in steps]))


def test_mse_phase_lowers_the_loss_and_reports_everything(tmp_path):
    events = []
    finished = collect(train(tiny_config(tmp_path, steps=40)), events)
    steps = of_type(events, StepDone)
    assert [s.step for s in steps] == list(range(1, 41))
    assert mean_loss(steps[-5:], "mse") < 0.7 * mean_loss(steps[:5], "mse")
    validations = of_type(events, ValidationDone)
    assert [v.step for v in validations] == [0, 10, 20, 30, 40]
    assert validations[-1].psnr > validations[0].psnr
    assert validations[0].bicubic_psnr > 20 and validations[0].base_psnr is None
    assert isinstance(events[0], TrainingStarted) and events[0].val_images == 2
    preview = of_type(events, PreviewReady)[0]
    assert preview.sr.shape == preview.hr.shape and preview.lr.shape[0] * 4 == preview.hr.shape[0]
    assert isinstance(finished, TrainingFinished) and finished.steps == 40
    assert finished.best_psnr == max(v.psnr for v in validations)
    assert load_checkpoint(finished.last_checkpoint)["step"] == 40


def test_gan_phase_alternates_d_and_g_and_lowers_the_content_loss(tmp_path):
    events = []
    collect(train(tiny_config(tmp_path, phase="gan", steps=40, ema=True, ema_decay=0.9)), events)
    steps = of_type(events, StepDone)
    assert set(steps[0].losses) == {"g_content", "g_adversarial", "g_total", "d"}
    assert all(0 <= s.d_real <= 1 and 0 <= s.d_fake <= 1 for s in steps)
    assert mean_loss(steps[-5:], "g_content") < 0.7 * mean_loss(steps[:5], "g_content")
    assert mean_loss(steps[-5:], "d") < mean_loss(steps[:5], "d")     # D learns to tell them apart
    # Paper schedule: lr drops 10x halfway through phase 2.
    assert steps[0].lr == pytest.approx(1e-3) and steps[-1].lr == pytest.approx(1e-4)
    state = load_checkpoint(tmp_path / "run" / "last.ckpt")
    assert state["ema"] is not None and state["discriminator"] is not None
    # The kept ("best") gan weights are the latest validated, not the highest-PSNR base model of step 0.
    assert load_checkpoint(tmp_path / "run" / "best.ckpt")["step"] == 40


def test_pixel_chroma_and_lattice_weights_add_their_terms_to_the_generator_loss(tmp_path):
    events = []
    collect(train(tiny_config(tmp_path, phase="gan", steps=3, adversarial_weight=1e-2, pixel_weight=0.5,
                              chroma_weight=2.0, lattice_weight=3.0)), events)
    for step in of_type(events, StepDone):
        loss = step.losses
        assert 0 < loss["g_pixel"] < 1 and 0 < loss["g_chroma"] < 1 and 0 < loss["g_lattice"] < 1
        assert loss["g_total"] == pytest.approx(loss["g_content"] + 1e-2 * loss["g_adversarial"]
                                                + 0.5 * loss["g_pixel"] + 2.0 * loss["g_chroma"]
                                                + 3.0 * loss["g_lattice"], rel=1e-5)
    with pytest.raises(ValueError, match="pixel_weight"):
        tiny_config(tmp_path, pixel_weight=-1.0)
    with pytest.raises(ValueError, match="chroma_weight"):
        tiny_config(tmp_path, chroma_weight=-1.0)
    with pytest.raises(ValueError, match="lattice_weight"):
        tiny_config(tmp_path, lattice_weight=-1.0)


def test_a_luma_texture_run_trains_and_its_model_file_says_so(tmp_path):
    finished = collect(train(tiny_config(tmp_path, phase="gan", steps=3, adversarial_weight=1e-2, pixel_weight=1.0,
                                         texture_on="luma", chroma_weight=3.0, lattice_weight=2.0)), [])
    _, info = load_model(export_model(finished.last_checkpoint, tmp_path / "grey.safetensors", name="grey"))
    assert (info.provenance["texture_on"], info.provenance["chroma_weight"]) == ("luma", 3.0)
    assert info.provenance["lattice_weight"] == 2.0
    assert (info.provenance["pixel_weight"], info.provenance["adversarial_weight"]) == (1.0, 1e-2)


def test_gan_with_vgg_content_loss_uses_the_perceptual_loss(tmp_path):
    """A tiny random VGG19 prefix (vgg22 needs 4 convs) through the real PerceptualLoss path."""
    torch.manual_seed(0)
    shapes = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128)}
    weights = {}
    for index, (out_c, in_c) in shapes.items():
        weights[f"features.{index}.weight"] = torch.randn(out_c, in_c, 3, 3) * 0.05
        weights[f"features.{index}.bias"] = torch.zeros(out_c)
    torch.save(weights, tmp_path / "vgg.pth")
    events = []
    collect(train(tiny_config(tmp_path, phase="gan", content_loss="vgg22", steps=6,
                              vgg_weights=tmp_path / "vgg.pth")), events)
    losses = of_type(events, StepDone)[0].losses
    assert losses["g_content"] > 0 and math.isfinite(losses["g_total"])


@pytest.mark.parametrize("degradation", [None, DegradationConfig()], ids=["bicubic", "real-world"])
def test_cancel_and_resume_reproduce_the_uninterrupted_run_exactly(tmp_path, degradation):
    changes = dict(phase="gan", steps=12, ema=True, checkpoint_every=100, val_every=4, preview_every=100,
                   degradation=degradation)
    straight = tiny_config(tmp_path / "a", **changes)
    collect(train(straight), [])

    stopped = tiny_config(tmp_path / "b", **changes)
    control, events = Control(), []

    def cancel_at_five():
        for event in train(stopped, control):
            events.append(event)
            if isinstance(event, StepDone) and event.step == 5:
                control.cancel()
    with pytest.raises(Cancelled):
        cancel_at_five()
    assert of_type(events, CheckpointSaved)[-1].step == 5
    assert load_checkpoint(stopped.out_dir / "last.ckpt")["step"] == 5
    resumed = []
    collect(train(stopped, resume=True), resumed)
    assert of_type(resumed, StepDone)[0].step == 6

    a = load_checkpoint(straight.out_dir / "last.ckpt")
    b = load_checkpoint(stopped.out_dir / "last.ckpt")
    for part in ("generator", "ema", "discriminator"):
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"
    assert a["best_psnr"] == b["best_psnr"]
    assert [v["step"] for v in b["validations"]] == [0, 4, 8, 12]   # the whole curve survives resume
    assert a["validations"] == b["validations"]


def test_a_compact_resume_copy_is_smaller_and_resumes_close_to_the_full_checkpoint(tmp_path):
    changes = dict(phase="gan", checkpoint_every=4, val_every=4, preview_every=100)
    first = tiny_config(tmp_path / "full", steps=4, **changes)
    collect(train(first), [])
    full_path = first.out_dir / "last.ckpt"
    compact_dir = tmp_path / "compact" / "run"
    compact_dir.mkdir(parents=True)
    compact_checkpoint(full_path, compact_dir / "last.ckpt")
    assert (compact_dir / "last.ckpt").stat().st_size < 0.8 * full_path.stat().st_size
    compact = load_checkpoint(compact_dir / "last.ckpt")
    assert all(t.dtype == torch.bfloat16 for t in compact["discriminator"].values() if t.is_floating_point())
    assert all(t.dtype == torch.float32 for t in compact["generator"].values() if t.is_floating_point())
    assert compact["validations"] == load_checkpoint(full_path)["validations"]
    start = load_checkpoint(full_path)["generator"]

    for out_dir in (first.out_dir, compact_dir):
        collect(train(tiny_config(tmp_path / "full", steps=8, out_dir=out_dir, **changes), resume=True), [])
    exact, close = load_checkpoint(first.out_dir / "last.ckpt"), load_checkpoint(compact_dir / "last.ckpt")
    assert close["step"] == 8 and close["d_optimizer"]["state"][0]["exp_avg"].dtype == torch.float32
    keys = [k for k, w in exact["generator"].items() if w.is_floating_point() and "running" not in k]
    moved = torch.cat([(exact["generator"][k] - start[k]).flatten() for k in keys]).norm()
    apart = torch.cat([(close["generator"][k] - exact["generator"][k]).flatten() for k in keys]).norm()
    # Measured: 2.5% apart; with the Adam moments lost instead of rounded, 33%.
    assert apart <= 0.1 * moved         # the four resumed steps went (nearly) the same way


def test_closing_the_event_stream_still_leaves_a_resumable_checkpoint(tmp_path):
    """The GUI's worker stops listening rather than raising inside the generator."""
    config = tiny_config(tmp_path, steps=20, checkpoint_every=100)
    events = train(config)
    for event in events:
        if isinstance(event, StepDone) and event.step == 3:
            break
    events.close()
    assert load_checkpoint(config.out_dir / "last.ckpt")["step"] == 3
    assert (config.out_dir / "best.ckpt").is_file()


def test_a_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    real_step = trainer.mse_step
    calls = {"n": 0}

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        result = real_step(*args, **kwargs)
        return StepStats({"mse": math.nan}) if calls["n"] == 7 else result
    monkeypatch.setattr(trainer, "mse_step", poisoned)
    config = tiny_config(tmp_path, checkpoint_every=5)
    events = []
    with pytest.raises(TrainingError, match="not-a-number"):
        collect(train(config), events)
    failed = of_type(events, TrainingFailed)[0]
    assert "step 7" in failed.message and failed.last_good_checkpoint == config.out_dir / "last.ckpt"
    assert load_checkpoint(failed.last_good_checkpoint)["step"] == 5


def test_a_collapsed_discriminator_rolls_back_then_gives_up(tmp_path):
    # A threshold this wide counts every step as "stuck", so collapse is detected on cue.
    config = tiny_config(tmp_path, phase="gan", steps=30, collapse_window=3, collapse_threshold=0.49,
                         max_rollbacks=1, checkpoint_every=2)
    events = []
    with pytest.raises(TrainingError, match="rolling back"):
        collect(train(config), events)
    rollback = of_type(events, DivergenceDetected)[0]
    assert rollback.step >= 3 and rollback.rolled_back_to == 0 and "discriminator" in rollback.reason
    after = [e for e in events[events.index(rollback):] if isinstance(e, StepDone)]
    assert after[0].step == 1                               # training went on from step 0 ...
    assert after[0].lr == pytest.approx(config.lr / 2)      # ... at half the learning rate
    assert of_type(events, TrainingFailed)


def test_fine_tuning_from_a_model_file_reports_the_base_models_psnr(tmp_path):
    model = tiny_model_file(tmp_path)
    events = []
    collect(train(tiny_config(tmp_path, init_from=model, steps=10)), events)
    validations = of_type(events, ValidationDone)
    assert validations[0].base_psnr is not None
    assert validations[0].psnr == pytest.approx(validations[0].base_psnr)   # G starts as the base model
    assert of_type(events, PreviewReady)[0].base_sr is not None


@pytest.mark.parametrize("freeze", [True, False])
def test_frozen_batchnorm_keeps_the_base_model_until_the_weights_move(tmp_path, freeze):
    # At a learning rate too small to move the weights, only BatchNorm's statistics can change
    # the model: frozen, every check scores exactly the base; not frozen, they drift away from it.
    model = tiny_model_file(tmp_path)
    events = []
    collect(train(tiny_config(tmp_path, init_from=model, steps=10, val_every=5, lr=1e-12,
                              freeze_batchnorm=freeze)), events)
    validations = of_type(events, ValidationDone)
    drift = max(abs(v.psnr - validations[0].base_psnr) for v in validations)
    if freeze:
        assert drift < 1e-4
    else:
        assert drift > 2e-3


def test_resume_refuses_a_run_with_different_settings(tmp_path):
    config = tiny_config(tmp_path, steps=4)
    collect(train(config), [])
    with pytest.raises(TrainingError, match="lr"):
        collect(train(tiny_config(tmp_path, steps=8, lr=5e-4), resume=True), [])
    with pytest.raises(TrainingError, match="cannot resume"):
        collect(train(tiny_config(tmp_path, out_dir=tmp_path / "empty"), resume=True), [])
    more = []
    collect(train(tiny_config(tmp_path, steps=8), resume=True), more)   # more steps is fine
    assert of_type(more, StepDone)[0].step == 5


def lrs(events) -> dict[int, float]:
    return {s.step: s.lr for s in of_type(events, StepDone)}


def test_mse_lr_is_constant_unless_a_drop_is_asked_for(tmp_path):
    constant, dropped = [], []
    collect(train(tiny_config(tmp_path, steps=8)), constant)
    assert {round(lr, 9) for lr in lrs(constant).values()} == {1e-3}
    collect(train(tiny_config(tmp_path, steps=8, lr_drop_at=0.75, out_dir=tmp_path / "drop")), dropped)
    assert lrs(dropped)[1] == pytest.approx(1e-3) and lrs(dropped)[8] == pytest.approx(1e-4)


def test_resume_follows_a_moved_lr_drop_and_never_drops_twice(tmp_path):
    collect(train(tiny_config(tmp_path, steps=4)), [])                     # constant lr so far
    ahead = []
    collect(train(tiny_config(tmp_path, steps=8, lr_drop_at=0.75), resume=True), ahead)
    assert lrs(ahead)[5] == pytest.approx(1e-3) and lrs(ahead)[8] == pytest.approx(1e-4)
    passed = []   # a drop moved to before the resumed step applies at once, and only once
    collect(train(tiny_config(tmp_path, steps=12, lr_drop_at=0.25), resume=True), passed)
    assert {round(lr, 9) for lr in lrs(passed).values()} == {1e-4}
    undone = []   # taking the drop away again restores the full lr
    collect(train(tiny_config(tmp_path, steps=14), resume=True), undone)
    assert {round(lr, 9) for lr in lrs(undone).values()} == {1e-3}


def test_photo_scale_shrinks_training_and_validation_photos_alike(tmp_path):
    data = prepare_data(tiny_config(tmp_path, photo_scale=0.5))          # the photos are 64x64
    assert data.dataset._pairs[0][0].shape == (32, 32, 3)
    assert all(hr.shape == (32, 32, 3) for _lr, hr in data.val_pairs)


def test_export_writes_a_loadable_self_describing_model(tmp_path):
    finished = collect(train(tiny_config(tmp_path, steps=10)), [])
    out = export_model(finished.best_checkpoint, tmp_path / "mine.safetensors", name="mine", title="Mine",
                       extra_provenance={"note": "test"})
    model, info = load_model(out)
    assert info.name == "mine" and info.title == "Mine" and info.scale == 4
    assert info.provenance["steps"] == 10 and info.provenance["note"] == "test"
    assert info.provenance["photo_scale"] == 1.0 and info.provenance["lr_drop_step"] is None
    assert info.metrics["validation"]["psnr"] == pytest.approx(finished.best_psnr)
    assert info.provenance["degradation"] is None                     # clean bicubic LR
    real = collect(train(tiny_config(tmp_path, steps=2, out_dir=tmp_path / "real",
                                     degradation=DegradationConfig(plain_prob=0.5))), [])
    _, real_info = load_model(export_model(real.best_checkpoint, tmp_path / "real.safetensors", name="real"))
    assert real_info.provenance["degradation"]["plain_prob"] == 0.5     # the model says how its LR was made
    with pytest.raises(ValueError, match="safetensors"):
        export_model(finished.best_checkpoint, tmp_path / "mine.pth", name="x")


def test_bad_data_folders_fail_with_one_clear_line(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingError, match="no usable training images"):
        collect(train(tiny_config(tmp_path, data_dir=tmp_path / "empty")), [])
    with pytest.raises(TrainingError, match="not a folder"):
        collect(train(tiny_config(tmp_path, data_dir=tmp_path / "missing")), [])


def test_measure_step_time_is_positive_and_quick(tmp_path):
    seconds = measure_step_time(tiny_config(tmp_path, phase="gan"), steps=2)
    assert 0 < seconds < 5


def test_config_validates_and_round_trips(tmp_path):
    config = tiny_config(tmp_path, phase="gan")
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert config.discriminator.crop_size == config.crop_size
    with pytest.raises(ValueError, match="phase"):
        tiny_config(tmp_path, phase="wgan")
    with pytest.raises(ValueError, match="crop_size"):
        tiny_config(tmp_path, crop_size=40)


def test_cli_trains_refuses_to_clobber_a_run_resumes_and_exports(tmp_path, capsys):
    from core.cli.main import main
    config = tiny_config(tmp_path)              # makes the photo folder
    common = [str(config.data_dir), "--out", str(tmp_path / "cli"), "--batch-size", "4", "--crop-size", "32",
              "--blocks", "1", "--width", "8", "--val-count", "2", "--val-every", "3", "--workers", "0",
              "--ema", "--ema-decay", "0.99"]
    assert main(["train", *common, "--steps", "3"]) == 0
    assert load_checkpoint(tmp_path / "cli" / "last.ckpt")["config"]["ema_decay"] == 0.99
    assert "Best validation PSNR" in capsys.readouterr().out
    assert main(["train", *common, "--steps", "3"]) == 2           # would overwrite the run
    assert "--resume" in capsys.readouterr().err
    assert main(["train", *common, "--steps", "6", "--resume", "--export", "mine"]) == 0
    assert load_checkpoint(tmp_path / "cli" / "last.ckpt")["step"] == 6
    from core.models.library import list_models
    assert "mine" in [entry.info.name for entry in list_models()[0]]
    assert main(["export", str(tmp_path / "cli" / "best.ckpt"), str(tmp_path / "out.safetensors")]) == 0
    assert main(["export", str(tmp_path / "cli" / "best.ckpt"), str(tmp_path / "out.safetensors")]) == 2
    assert main(["export", str(tmp_path / "nope.ckpt"), str(tmp_path / "o2.safetensors")]) == 2


def test_pause_holds_training_between_steps_until_resumed(tmp_path):
    import threading
    import time
    control, events, resumed_at = Control(), [], []
    for event in train(tiny_config(tmp_path, steps=4, val_every=100), control):
        events.append(event)
        if isinstance(event, StepDone) and event.step == 2:
            control.pause()
            threading.Timer(0.5, lambda: (resumed_at.append(time.monotonic()), control.resume())).start()
        if isinstance(event, StepDone) and event.step == 3:
            assert resumed_at and time.monotonic() >= resumed_at[0]    # step 3 waited for resume()
    assert [e.step for e in of_type(events, StepDone)] == [1, 2, 3, 4]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gan_phase_on_cuda_with_mixed_precision(tmp_path):
    events = []
    collect(train(tiny_config(tmp_path, phase="gan", steps=20, device="cuda", precision="auto")), events)
    assert events[0].precision == "fp16"
    steps = of_type(events, StepDone)
    assert all(math.isfinite(v) for s in steps for v in s.losses.values())
    assert mean_loss(steps[-5:], "g_content") < mean_loss(steps[:5], "g_content")


def test_named_held_out_photos_are_the_validation_set_and_never_trained_on(tmp_path):
    config = tiny_config(tmp_path, val_files=("photo1.png", "photo4.png"))
    data = prepare_data(config)
    assert len(data.val_pairs) == 2 and len(data.dataset) == 4
    assert {p.name for p in data.dataset.paths} == {"photo0.png", "photo2.png", "photo3.png", "photo5.png"}
    assert TrainConfig.from_dict(config.to_dict()) == config
    for bad in (("../elsewhere.png",), ("/etc/passwd",), "photo1.png"):
        with pytest.raises(ValueError, match="val_files"):
            tiny_config(tmp_path, val_files=bad)


def test_a_gan_run_started_from_a_gan_checkpoint_keeps_its_discriminator(tmp_path):
    # Carrying a trained SRGAN on with new loss weights (a new run, so --resume refuses) must not pit it
    # against an untrained D: that sends it back toward the pixel average for a thousand steps.
    first = collect(train(tiny_config(tmp_path, phase="gan", steps=4, adversarial_weight=1e-2)), [])
    trained_d = load_checkpoint(first.last_checkpoint)["discriminator"]
    carried = tiny_config(tmp_path, phase="gan", steps=1, lr=1e-9, adversarial_weight=1e-2, pixel_weight=1.0,
                          init_from=first.last_checkpoint, out_dir=tmp_path / "carry")   # lr 1e-9: D stays put
    collect(train(carried), [])
    kept = load_checkpoint(tmp_path / "carry" / "last.ckpt")["discriminator"]
    weights = [name for name in trained_d if name.endswith(("weight", "bias"))]   # BatchNorm statistics move
    assert all(torch.allclose(kept[name], trained_d[name], atol=1e-6) for name in weights)
    # A different discriminator, or a start from a model file (no D in it), starts a fresh one.
    other = replace(carried, discriminator=replace(carried.discriminator, dense_width=8),
                    out_dir=tmp_path / "other")
    collect(train(other), [])
    fresh = load_checkpoint(tmp_path / "other" / "last.ckpt")["discriminator"]
    assert fresh["features.0.weight"].shape == trained_d["features.0.weight"].shape
    assert not torch.allclose(fresh["features.0.weight"], trained_d["features.0.weight"], atol=1e-3)
