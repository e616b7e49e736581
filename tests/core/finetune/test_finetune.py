"""The fine-tune's Qt-free rules: photo summary, the one hold-out rule, the recipe, naming."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.common.events import drain
from core.common.paths import user_models_dir
from core.finetune.budget import plan_for_steps
from core.finetune.holdout import MAX_HELD_OUT, held_out_count, hold_out
from core.finetune.naming import model_slug, name_problem, suggest_name
from core.finetune.photos import PhotoSummary, scan_photos, summarize_scan
from core.finetune.recipe import FineTuneChoices, FineTuneRecipe, build_train_config, recipe_for
from core.nets.config import DiscriminatorConfig
from core.training.data import ScanResult
from tests.helpers.tiny import TINY, tiny_model_file


def photo(path: Path, size: tuple[int, int] = (100, 100), seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def fake_scan(count: int) -> ScanResult:
    paths = [Path(f"/photos/p{i:02d}.jpg") for i in range(count)]
    return ScanResult(usable=paths, skipped=[], sizes={p: (640, 480) for p in paths})


@pytest.mark.parametrize("usable, held", [(0, 0), (1, 0), (2, 1), (9, 1), (10, 2), (24, 4), (25, 5), (500, 5)])
def test_one_photo_in_five_is_held_out_at_least_one_at_most_five(usable, held):
    assert held_out_count(usable) == held <= MAX_HELD_OUT


def test_split_is_reproducible_disjoint_complete_and_independent_of_order():
    first = summarize_scan(Path("/photos"), fake_scan(30), seed=3)
    again = summarize_scan(Path("/photos"), fake_scan(30), seed=3)
    assert first.validation == again.validation and len(first.validation) == 5
    assert not set(first.validation) & set(first.training)
    assert set(first.validation) | set(first.training) == set(first.usable)
    shuffled = list(reversed(fake_scan(30).usable))
    assert set(hold_out(shuffled, Path("/photos"), seed=3)[1]) == set(first.validation)
    assert summarize_scan(Path("/photos"), fake_scan(30), seed=4).validation != first.validation
    assert first.held_out_names() == tuple(p.name for p in first.validation)


def test_warnings_in_plain_words():
    assert "No usable photos" in summarize_scan(Path("/photos"), fake_scan(0)).warning
    assert "at least two" in summarize_scan(Path("/photos"), fake_scan(1)).warning
    assert "Only 5 usable photos" in summarize_scan(Path("/photos"), fake_scan(5)).warning
    assert summarize_scan(Path("/photos"), fake_scan(25)).warning == ""
    assert not summarize_scan(Path("/photos"), fake_scan(1)).can_train
    assert summarize_scan(Path("/photos"), fake_scan(2)).can_train


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
    assert summary.megapixels() == pytest.approx((120 * 100 + 300 * 200 + 200 * 150) / 1e6)
    w, h = summary.sizes[held_out]
    assert summary.held_out_megapixels() == pytest.approx(w * h / 1e6)


def test_held_out_pixels_are_bounded_by_the_centre_crop():
    big = PhotoSummary(folder=Path("/p"), usable=(Path("/p/a.jpg"), Path("/p/b.jpg")), skipped=(),
                       sizes={Path("/p/a.jpg"): (4000, 3000), Path("/p/b.jpg"): (4000, 300)},
                       validation=(Path("/p/a.jpg"), Path("/p/b.jpg")))
    assert big.held_out_megapixels() == pytest.approx((512 * 512 + 512 * 300) / 1e6)
    assert big.held_out_megapixels(photo_scale=0.1) == pytest.approx((400 * 300 + 400 * 30) / 1e6)


def test_scan_of_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such folder"):
        drain(scan_photos(tmp_path / "nope"))


def test_config_follows_the_choices_the_recipe_the_plan_and_the_base_model(tmp_path):
    base = tiny_model_file(tmp_path)
    recipe = FineTuneRecipe(batch_size=2, crop_size=64, lr=3e-4, lr_drop_at=0.8, min_crop_detail=4.0)
    faithful = FineTuneChoices(data_dir=tmp_path, base_model=base, held_out=("a.png", "sub/b.png"))
    config = build_train_config(faithful, recipe, plan_for_steps(200), tmp_path / "run")
    assert config.phase == "mse" and config.generator == TINY and config.init_from == base
    assert (config.steps, config.batch_size, config.crop_size, config.lr) == (200, 2, 64, 3e-4)
    assert config.val_files == ("a.png", "sub/b.png") and config.best_by == "psnr"
    assert config.lr_drop_step == 160 and config.min_crop_detail == 4.0 and not config.use_ema
    schedule = plan_for_steps(200).schedule
    assert (config.val_every, config.checkpoint_every, config.preview_every) == (
        schedule.val_every, schedule.checkpoint_every, schedule.preview_every) == (20, 20, 5)
    realistic = build_train_config(replace(faithful, mode="realistic"), recipe, plan_for_steps(10),
                                   tmp_path / "run", {"discriminator": DiscriminatorConfig(crop_size=64, base_width=8)})
    assert realistic.phase == "gan" and realistic.content_loss == "vgg54" and realistic.best_by == "niqe"
    assert realistic.lr == recipe.realistic_lr and not realistic.use_ema
    # The GAN fine-tune anchors to the pixels (no VGG54 grid) and weighs the adversarial term 5x the paper's;
    # like the bundled SRGAN it learns texture on luma, holds colour with a chroma term and fights the grid.
    assert (realistic.pixel_weight, realistic.adversarial_weight) == (1.0, 5e-3)
    assert (realistic.texture_on, realistic.chroma_weight, realistic.lattice_weight) == ("luma", 5.0, 4.0)
    assert config.pixel_weight == config.chroma_weight == config.lattice_weight == 0.0   # faithful: pixel MSE alone
    assert realistic.discriminator.crop_size == 64 and realistic.discriminator.base_width == 8
    with pytest.raises(ValueError):
        FineTuneChoices(data_dir=tmp_path, mode="sharpest")
    with pytest.raises(ValueError, match="held-out"):       # every caller goes through the one hold-out rule
        build_train_config(FineTuneChoices(data_dir=tmp_path), recipe, plan_for_steps(10), tmp_path / "run")


def test_the_recipe_starts_from_the_leads_defaults_on_every_device():
    recipe = recipe_for("cpu")
    settings = (recipe.batch_size, recipe.crop_size, recipe.lr, recipe.lr_drop_at, recipe.ema)
    assert settings == (16, 96, 2e-4, 0.75, False)
    with pytest.raises(ValueError):
        FineTuneRecipe(crop_size=100)
    with pytest.raises(ValueError, match="loss weights"):
        FineTuneRecipe(realistic_pixel_weight=-1.0)


def test_names_are_checked_and_suggested_without_clashes():
    assert model_slug("Holiday photos (2024)!") == "holiday-photos-2024"
    assert name_problem("") and name_problem("???")
    tiny_model_file(user_models_dir(), name="garden-faithful")
    assert "already exists" in name_problem("Garden (faithful)")
    assert suggest_name(Path("/x/Garden"), "faithful") == "Garden (faithful) 2"
    assert name_problem("Garden (faithful) 2") == ""


def test_photo_summary_without_sizes_is_still_describable():
    summary = PhotoSummary(folder=Path("/p"), usable=(Path("/p/a.jpg"),), skipped=())
    assert summary.size_text() == "" and summary.largest_crop() == 96


def test_each_photo_condition_trains_with_its_degradation(tmp_path):
    from core.finetune.recipe import PHOTO_CONDITIONS
    for photos, (_label, degradation) in PHOTO_CONDITIONS.items():
        choices = FineTuneChoices(data_dir=tmp_path, photos=photos, held_out=("a.png",))
        config = build_train_config(choices, recipe_for("cpu"), plan_for_steps(10), tmp_path / photos)
        assert config.degradation == degradation
    with pytest.raises(ValueError, match="photos must be one of"):
        FineTuneChoices(data_dir=tmp_path, photos="blurry")
