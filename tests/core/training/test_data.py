"""Training data: scanning a messy folder, reproducible splits, deterministic resumable crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.common.events import Cancelled, Control
from core.imageio.bicubic import bicubic_downscale
from core.training.data import (
    CropDataset,
    _dihedral,
    crop_detail,
    load_validation_images,
    make_loader,
    scan_folder,
    split_validation,
)


def _photo(path: Path, width: int, height: int, seed: int = 0, mode: str = "RGB") -> Path:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = (np.sin(xx / 7.0 + seed) + np.cos(yy / 5.0)) * 60 + 128
    pixels = np.clip(base[:, :, None] + rng.normal(0, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).convert(mode).save(path)
    return path


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    _photo(folder / "a.png", 64, 48, 1)
    _photo(folder / "sub" / "b.jpg", 50, 40, 2)
    _photo(folder / "sub" / "deeper" / "c.webp", 40, 40, 3, mode="L")
    _photo(folder / "small.png", 20, 60, 4)
    (folder / "dup.png").write_bytes((folder / "a.png").read_bytes())
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    truncated = _photo(folder / "cut.png", 64, 64, 5).read_bytes()
    (folder / "cut.png").write_bytes(truncated[: len(truncated) // 2])
    truncated = _photo(folder / "cut.jpg", 64, 64, 6).read_bytes()
    (folder / "cut.jpg").write_bytes(truncated[: len(truncated) // 2])
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_scan_keeps_good_images_and_explains_every_skip(messy_folder: Path) -> None:
    result = scan_folder(messy_folder, min_size=32)
    assert sorted(p.name for p in result.usable) == ["a.png", "b.jpg", "c.webp"]
    reasons = {p.name: reason for p, reason in result.skipped}
    assert set(reasons) == {"small.png", "dup.png", "broken.jpg", "cut.png", "cut.jpg"}
    assert "smaller" in reasons["small.png"] and "a.png" in reasons["dup.png"]
    assert result.sizes[messy_folder / "a.png"] == (64, 48)


def test_scan_reports_the_displayed_size_of_rotated_photos(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6                                      # "rotate 90 degrees when displaying"
    Image.new("RGB", (80, 40), (90, 120, 30)).save(path, exif=exif)
    assert scan_folder(tmp_path, min_size=32).sizes[path] == (40, 80)


def test_scan_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a folder"):
        scan_folder(tmp_path / "nope", min_size=32)


def test_split_is_reproducible_and_keeps_training_images() -> None:
    paths = [Path(f"{i}.png") for i in range(10)]
    train, val = split_validation(paths, 3, seed=7)
    assert (train, val) == split_validation(paths, 3, seed=7)
    assert len(val) == 3 and sorted(train + val) == sorted(paths)
    assert len(split_validation(paths[:2], 5)[0]) == 1


def test_dataset_skips_unusable_files_instead_of_crashing(messy_folder: Path) -> None:
    dataset = CropDataset(sorted(messy_folder.rglob("*.*")), crop_size=32, scale=4)
    assert sorted(p.name for p in dataset.paths) == ["a.png", "b.jpg", "c.webp", "dup.png"]
    assert {p.name for p, _ in dataset.skipped} == {"small.png", "broken.jpg", "cut.png", "cut.jpg", "notes.txt"}
    lr, hr = dataset[0]
    assert lr.shape == (3, 8, 8) and hr.shape == (3, 32, 32)
    assert lr.dtype == torch.float32 and 0 <= float(hr.min()) and float(hr.max()) <= 1


def test_dataset_with_nothing_usable_says_so(messy_folder: Path) -> None:
    with pytest.raises(ValueError, match="no usable training images"):
        CropDataset([messy_folder / "broken.jpg"], crop_size=32)


def test_lr_crop_is_the_bicubic_downscale_of_the_hr_crop_region(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.png", 96, 80, 3)
    dataset = CropDataset([path], crop_size=32, scale=4, seed=3)
    hr_full = np.asarray(Image.open(path), dtype=np.float32)
    lr_full = np.round(bicubic_downscale(hr_full, 4))
    for k in range(6):
        lr, hr = dataset[k]
        hr_np = hr.permute(1, 2, 0).numpy() * 255
        lr_np = lr.permute(1, 2, 0).numpy() * 255
        # Find the crop's place in the (possibly flipped/rotated) full image by matching HR.
        found = False
        for t in range(8):
            view_hr, view_lr = _dihedral(hr_full, t), _dihedral(lr_full, t)
            for y in range(0, view_hr.shape[0] - 31, 4):
                for x in range(0, view_hr.shape[1] - 31, 4):
                    if not found and np.array_equal(view_hr[y:y + 32, x:x + 32], np.round(hr_np)):
                        diff = np.abs(view_lr[y // 4:y // 4 + 8, x // 4:x // 4 + 8] - lr_np)
                        found = diff.max() <= 2.01 and diff.mean() < 0.5
        assert found, f"sample {k}: LR crop does not match the HR crop's region"


def test_flat_crops_are_redrawn_when_a_minimum_detail_is_asked_for(tmp_path: Path) -> None:
    # Left half flat grey (a sky), right half busy texture: only the texture should be served.
    rng = np.random.default_rng(0)
    pixels = np.full((64, 256, 3), 128, np.uint8)
    pixels[:, 128:] = rng.integers(0, 256, (64, 128, 3))
    Image.fromarray(pixels).save(tmp_path / "half.png")
    plain = CropDataset([tmp_path / "half.png"], crop_size=32, seed=1)
    picky = CropDataset([tmp_path / "half.png"], crop_size=32, seed=1, min_detail=5.0)

    def flat_share(dataset: CropDataset) -> float:
        details = [crop_detail(dataset[k][0].permute(1, 2, 0).numpy() * 255) for k in range(60)]
        return float(np.mean(np.array(details) < 5.0))

    assert flat_share(plain) > 0.25
    assert flat_share(picky) == 0.0
    assert all(torch.equal(a, b) for a, b in zip(picky[7], picky[7]))      # still a pure function of k


def test_photo_scale_shrinks_photos_before_pairing(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.png", 200, 120, 3)
    dataset = CropDataset([path], crop_size=32, scale=4, photo_scale=0.5)
    hr, lr = dataset._pairs[0]
    assert hr.shape == (60, 100, 3) and lr.shape == (15, 25, 3)
    with pytest.raises(ValueError, match="photo scale"):
        CropDataset([path], crop_size=32, photo_scale=1.5)


def test_crops_are_a_pure_function_of_seed_and_sample_number(messy_folder: Path) -> None:
    paths = [messy_folder / "a.png", messy_folder / "sub" / "b.jpg", messy_folder / "sub" / "deeper" / "c.webp"]
    one = CropDataset(paths, crop_size=32, seed=5)
    two = CropDataset(paths, crop_size=32, seed=5, cache_bytes=0)      # decodes on demand instead
    assert not two.fully_cached
    for k in (0, 4, 11):
        assert all(torch.equal(a, b) for a, b in zip(one[k], two[k]))
    assert not torch.equal(one[(6, 0)][1], one[(5, 0)][1]) or not torch.equal(one[(6, 1)][1], one[(5, 1)][1])


def test_every_image_is_seen_once_per_epoch(messy_folder: Path) -> None:
    paths = [messy_folder / "a.png", messy_folder / "sub" / "b.jpg", messy_folder / "sub" / "deeper" / "c.webp"]
    dataset = CropDataset(paths, crop_size=32, seed=0)
    for epoch in range(3):
        order = dataset._permutation(0, epoch)
        assert sorted(order.tolist()) == [0, 1, 2]


def test_loader_resumes_exactly_mid_run(messy_folder: Path) -> None:
    paths = [messy_folder / "a.png", messy_folder / "sub" / "b.jpg"]
    dataset = CropDataset(paths, crop_size=32, seed=2)
    full = make_loader(dataset, batch_size=3, seed=2, num_workers=0)
    batches = [batch for _, batch in zip(range(4), full)]
    resumed = make_loader(dataset, batch_size=3, seed=2, num_workers=0, start_sample=2 * 3)
    again = [batch for _, batch in zip(range(2), resumed)]
    for (lr_a, hr_a), (lr_b, hr_b) in zip(batches[2:], again):
        assert torch.equal(lr_a, lr_b) and torch.equal(hr_a, hr_b)


def test_loader_with_a_worker_gives_the_same_batches(messy_folder: Path) -> None:
    paths = [messy_folder / "a.png", messy_folder / "sub" / "b.jpg"]
    dataset = CropDataset(paths, crop_size=32, seed=2)
    plain = [b for _, b in zip(range(2), make_loader(dataset, 2, seed=2, num_workers=0))]
    worker = [b for _, b in zip(range(2), make_loader(dataset, 2, seed=2, num_workers=1))]
    for (lr_a, hr_a), (lr_b, hr_b) in zip(plain, worker):
        assert torch.equal(lr_a, lr_b) and torch.equal(hr_a, hr_b)


def test_validation_pairs_are_modcropped_whole_images(messy_folder: Path) -> None:
    [(lr, hr)] = load_validation_images([messy_folder / "sub" / "b.jpg"], scale=4)
    assert hr.shape == (40, 48, 3) and lr.shape == (10, 12, 3)
    assert lr.dtype == np.float32 and np.allclose(lr * 255, np.round(lr * 255), atol=1e-4)


def test_cancel_stops_loading_the_dataset(messy_folder: Path) -> None:
    control = Control()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        control.cancel()

    with pytest.raises(Cancelled):
        CropDataset(sorted(messy_folder.rglob("*.png")), crop_size=32, control=control, progress=progress)
    assert seen == [1]
