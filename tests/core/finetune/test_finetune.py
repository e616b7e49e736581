"""The fine-tune wizard's Qt-free rules: photo summary, settings, resume record, naming and saving."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.common.events import drain
from core.common.paths import user_data_dir, user_models_dir
from core.finetune.recipe import (
    MAX_VALIDATION,
    FineTuneChoices,
    PhotoSummary,
    build_train_config,
    estimate_text,
    report_intervals,
    scan_photos,
    summarize_scan,
    validation_count,
)
from core.finetune.runs import (
    clear_run_record,
    has_resumable_run,
    model_slug,
    name_problem,
    read_run_record,
    record_path,
    save_finetuned_model,
    suggest_name,
    write_run_record,
)
from core.models.library import list_models
from core.models.model_file import load_model
from core.nets.config import DiscriminatorConfig
from core.training.data import ScanResult
from core.training.trainer import train
from tests.helpers.tiny import TINY, tiny_model_file


def photo(path: Path, size: tuple[int, int] = (100, 100), seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def fake_scan(count: int) -> ScanResult:
    paths = [Path(f"/photos/p{i:02d}.jpg") for i in range(count)]
    return ScanResult(usable=paths, skipped=[], sizes={p: (640, 480) for p in paths})


@pytest.mark.parametrize("usable, held", [(0, 0), (1, 0), (2, 1), (19, 1), (20, 2), (45, 4), (500, 5)])
def test_validation_count_holds_out_about_one_in_ten(usable, held):
    assert validation_count(usable) == held <= MAX_VALIDATION


def test_split_is_reproducible_disjoint_and_complete():
    first = summarize_scan(Path("/photos"), fake_scan(30), seed=3)
    again = summarize_scan(Path("/photos"), fake_scan(30), seed=3)
    assert first.validation == again.validation and len(first.validation) == 3
    assert not set(first.validation) & set(first.training)
    assert set(first.validation) | set(first.training) == set(first.usable)


def test_warnings_in_plain_words():
    assert "No usable photos" in summarize_scan(Path("/p"), fake_scan(0)).warning
    assert "at least two" in summarize_scan(Path("/p"), fake_scan(1)).warning
    assert "Only 5 usable photos" in summarize_scan(Path("/p"), fake_scan(5)).warning
    assert summarize_scan(Path("/p"), fake_scan(25)).warning == ""
    assert not summarize_scan(Path("/p"), fake_scan(1)).can_train
    assert summarize_scan(Path("/p"), fake_scan(2)).can_train


def test_scan_reports_sizes_and_grouped_skip_reasons(tmp_path):
    photo(tmp_path / "a.png", (120, 100))
    photo(tmp_path / "b.png", (300, 200), seed=1)
    (tmp_path / "sub").mkdir()
    photo(tmp_path / "sub" / "c.png", (200, 150), seed=2)
    photo(tmp_path / "small.png", (50, 40), seed=3)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    calls = []
    summary = drain(scan_photos(tmp_path, progress=lambda done, total: calls.append((done, total))))
    assert calls[-1] == (5, 5) and len(calls) == 5          # the page shows "Checking 3 of 5"
    assert len(summary.usable) == 3
    assert summary.size_text() == "from 120 x 100 to 300 x 200 pixels"
    assert dict(summary.skip_reasons()) == {"too small for the training crop": 1, "unreadable or damaged": 1}
    assert summary.largest_crop() == 96     # the smallest photo is 100 px high
    (held_out,) = summary.validation
    assert set(summary.thumbnails) == {held_out} and max(summary.thumbnails[held_out].shape[:2]) <= 112


def test_scan_of_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such folder"):
        drain(scan_photos(tmp_path / "nope"))


def test_config_follows_the_choices_and_the_base_model(tmp_path):
    base = tiny_model_file(tmp_path)
    faithful = FineTuneChoices(data_dir=tmp_path, base_model=base, steps=200, batch_size=2, crop_size=64,
                               val_count=2)
    config = build_train_config(faithful, tmp_path / "run")
    assert config.phase == "mse" and config.generator == TINY and config.init_from == base
    assert (config.steps, config.batch_size, config.crop_size, config.val_count) == (200, 2, 64, 2)
    assert (config.val_every, config.checkpoint_every, config.preview_every) == report_intervals(200)
    realistic = build_train_config(FineTuneChoices(data_dir=tmp_path, mode="realistic", crop_size=64),
                                   tmp_path / "run", {"discriminator": DiscriminatorConfig(base_width=8)})
    assert realistic.phase == "gan" and realistic.content_loss == "vgg54"
    assert realistic.discriminator.crop_size == 64 and realistic.discriminator.base_width == 8
    with pytest.raises(ValueError):
        FineTuneChoices(data_dir=tmp_path, mode="sharpest")


def test_estimate_reads_like_people_say_it():
    assert estimate_text(2.0, 300, "CPU (2 threads)").startswith("About 11 min on CPU (2 threads)")


def test_run_record_round_trip_and_resumability(tmp_path):
    from core.training.config import TrainConfig
    out_dir = user_data_dir() / "finetune" / "runs" / "r1"
    config = TrainConfig(data_dir=tmp_path, out_dir=out_dir, steps=50)
    write_run_record(config, {"base_model": tmp_path / "m.safetensors", "mode": "faithful"})
    record = read_run_record()
    assert record.train_config() == config and record.choices["mode"] == "faithful"
    assert not has_resumable_run()                     # no checkpoint written yet
    out_dir.mkdir(parents=True)
    (out_dir / "last.ckpt").write_bytes(b"x")
    assert has_resumable_run()
    clear_run_record(delete_checkpoints=True)
    assert read_run_record() is None and not out_dir.exists()


def test_damaged_record_counts_as_none_and_foreign_folders_are_never_deleted(tmp_path):
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text("{not json", encoding="utf-8")
    assert read_run_record() is None and not has_resumable_run()
    foreign = tmp_path / "my-own-folder"
    foreign.mkdir()
    foreign_record = {"config": {"out_dir": str(foreign)}, "choices": {}}
    record_path().write_text(json.dumps(foreign_record), encoding="utf-8")
    clear_run_record(delete_checkpoints=True)
    assert foreign.exists() and read_run_record() is None


def test_names_are_checked_and_suggested_without_clashes():
    assert model_slug("Holiday photos (2024)!") == "holiday-photos-2024"
    assert name_problem("") and name_problem("???")
    tiny_model_file(user_models_dir(), name="garden-faithful")
    assert "already exists" in name_problem("Garden (faithful)")
    assert suggest_name(Path("/x/Garden"), "faithful") == "Garden (faithful) 2"
    assert name_problem("Garden (faithful) 2") == ""


def test_saved_model_lands_in_the_library_with_its_story(tmp_path):
    for i in range(3):
        photo(tmp_path / f"p{i}.png", (64, 64), seed=i)
    base = tiny_model_file(user_models_dir(), name="base")
    choices = FineTuneChoices(data_dir=tmp_path, base_model=base, steps=2, batch_size=2, crop_size=32,
                              device="cpu", precision="fp32")
    finished = drain(train(build_train_config(choices, tmp_path / "run", {"num_workers": 0})))
    path = save_finetuned_model(finished.best_checkpoint, "My garden", {"data_folder": str(tmp_path)})
    model, info = load_model(path)
    assert path.parent == user_models_dir() and info.title == "My garden" and info.name == "my-garden"
    assert info.provenance["data_folder"] == str(tmp_path) and info.provenance["steps"] == 2
    assert path in [e.path for e in list_models()[0]]
    with pytest.raises(ValueError, match="already exists"):
        save_finetuned_model(finished.best_checkpoint, "My garden", {})


def test_photo_summary_without_sizes_is_still_describable():
    summary = PhotoSummary(folder=Path("/p"), usable=(Path("/p/a.jpg"),), skipped=())
    assert summary.size_text() == "" and summary.largest_crop() == 96


def test_each_photo_condition_trains_with_its_degradation(tmp_path):
    from core.finetune.recipe import PHOTO_CONDITIONS, FineTuneChoices, build_train_config
    for photos, (_label, degradation) in PHOTO_CONDITIONS.items():
        config = build_train_config(FineTuneChoices(data_dir=tmp_path, photos=photos), tmp_path / photos)
        assert config.degradation == degradation
    with pytest.raises(ValueError, match="photos must be one of"):
        FineTuneChoices(data_dir=tmp_path, photos="blurry")


@pytest.mark.parametrize("route", ["dot-dot", "symlink"])
def test_a_tampered_record_never_deletes_outside_the_runs_folder(tmp_path, route):
    runs = user_data_dir() / "finetune" / "runs"
    runs.mkdir(parents=True)
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    (victim / "inner" / "precious.txt").write_text("keep me")
    if route == "dot-dot":
        depth = len(runs.relative_to(tmp_path.anchor).parts)
        out_dir = runs.joinpath(*[".."] * depth, *victim.relative_to(tmp_path.anchor).parts, "inner")
    else:
        (runs / "link").symlink_to(victim, target_is_directory=True)
        out_dir = runs / "link" / "inner"
    assert runs in out_dir.parents                     # what a text comparison would let through
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text(json.dumps({"config": {"out_dir": str(out_dir)}, "choices": {}}), encoding="utf-8")
    clear_run_record(delete_checkpoints=True)
    assert (victim / "inner" / "precious.txt").read_text() == "keep me"
    assert read_run_record() is None


@pytest.mark.parametrize("text", ['{"config": {}}', '{"config": {"out_dir": 5}}', '{"config": []}', "[1]",
                                  '{"config": {"out_dir": "x"}, "last_step": 1e400}', "[" * 100_000])
def test_a_record_without_a_usable_folder_counts_as_none(text):
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text(text, encoding="utf-8")
    assert read_run_record() is None and not has_resumable_run()
    clear_run_record(delete_checkpoints=True)
    assert not record_path().exists()


def test_a_record_naming_a_folder_with_a_nul_character_is_cleared_quietly():
    """Found by tests/core/fuzz: resolving such a path raised ValueError out of clear_run_record."""
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text(json.dumps({"config": {"out_dir": "runs/a\x00b"}}), encoding="utf-8")
    assert not has_resumable_run()
    clear_run_record(delete_checkpoints=True)
    assert read_run_record() is None
