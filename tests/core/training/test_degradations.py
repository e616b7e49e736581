"""The real-world degradation chain: the LR of a sample is a pure function of (seed, sample), and real."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from core.imageio.compress import jpeg_roundtrip
from core.training.config import TrainConfig
from core.training.data import CropDataset, load_validation_images
from core.training.degradations import DegradationConfig, blur_kernel, degrade
from tests.helpers.training import make_photos


def _hr(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    base = np.sin(12 * xx + 3 * yy)[:, :, None] * 0.3 + 0.5
    return np.clip(base + rng.normal(0, 0.05, (64, 64, 3)), 0, 1).astype(np.float32)


def test_same_seed_and_sample_give_the_same_lr_others_differ():
    config = DegradationConfig()
    first = degrade(_hr(), 4, config, np.random.default_rng((3, 17)))
    again = degrade(_hr(), 4, config, np.random.default_rng((3, 17)))
    other = degrade(_hr(), 4, config, np.random.default_rng((3, 18)))
    assert first.shape == (16, 16, 3) and first.dtype == np.float32
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert 0.0 <= first.min() and first.max() <= 1.0


def test_jpeg_only_chain_is_the_real_encoder():
    only_jpeg = DegradationConfig(blur_prob=0, noise_prob=0, second_order=0, resize_range=(1, 1),
                                  jpeg_quality=(20, 20))
    hr = _hr()
    lr = degrade(hr, 1, only_jpeg, np.random.default_rng(0))       # scale 1: no resize at all
    assert np.array_equal(lr, jpeg_roundtrip(jpeg_roundtrip(hr, 20), 20))
    assert np.abs(lr - hr).mean() > 0.005                            # quality 20 really loses detail


def test_the_plain_path_is_one_bicubic_downscale_and_one_jpeg_save():
    hr = _hr()
    plain = DegradationConfig(plain_prob=1.0, jpeg_quality=(50, 50))
    lr = degrade(hr, 4, plain, np.random.default_rng(5))
    planes = [np.asarray(Image.fromarray(hr[:, :, c]).resize((16, 16), Image.Resampling.BICUBIC)) for c in range(3)]
    assert np.array_equal(lr, np.clip(jpeg_roundtrip(np.stack(planes, axis=2), 50), 0, 1))
    # Off (the default), it draws nothing: runs saved before it existed resume exactly.
    assert np.array_equal(degrade(hr, 4, DegradationConfig(), np.random.default_rng(5)),
                          degrade(hr, 4, DegradationConfig(plain_prob=0.0), np.random.default_rng(5)))
    mixed = DegradationConfig(plain_prob=0.5, jpeg_quality=(50, 50))
    outcomes = {degrade(hr, 4, mixed, np.random.default_rng(k)).tobytes() == lr.tobytes() for k in range(12)}
    assert outcomes == {True, False}                  # both paths taken


def test_blur_kernels_are_normalised_and_can_be_anisotropic():
    rng = np.random.default_rng(1)
    kernels = [blur_kernel(DegradationConfig(anisotropic_prob=1.0), rng) for _ in range(20)]
    assert all(k.sum() == pytest.approx(1.0, abs=1e-5) for k in kernels)
    assert any(not np.allclose(k, k.T, atol=1e-4) for k in kernels)   # rotated, stretched kernels


def test_settings_are_checked_and_survive_a_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="probability"):
        DegradationConfig(noise_prob=1.5)
    with pytest.raises(ValueError, match="JPEG quality"):
        DegradationConfig(jpeg_quality=(0, 50))
    config = TrainConfig(data_dir=tmp_path, degradation=DegradationConfig(jpeg_quality=(50, 90)))
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict(TrainConfig(data_dir=tmp_path).to_dict()).degradation is None


def test_training_crops_and_validation_use_the_chain(tmp_path):
    photos = sorted(make_photos(tmp_path / "photos").glob("*.png"))
    clean = CropDataset(photos, crop_size=32, scale=4, seed=0)
    real = CropDataset(photos, crop_size=32, scale=4, seed=0, degradation=DegradationConfig())
    lr_clean, hr_clean = clean[5]
    lr_real, hr_real = real[5]
    assert torch_equal(hr_clean, hr_real) and not torch_equal(lr_clean, lr_real)
    assert abs(float(lr_real.mean() - lr_clean.mean())) < 0.05       # the same picture (in [0, 1]), degraded
    assert torch_equal(real[5][0], lr_real)                          # resumable: same sample, same LR
    (val_lr, _), = load_validation_images(photos[:1], 4, degradation=DegradationConfig())
    (again_lr, _), = load_validation_images(photos[:1], 4, degradation=DegradationConfig())
    (plain_lr, _), = load_validation_images(photos[:1], 4)
    assert np.array_equal(val_lr, again_lr) and not np.array_equal(val_lr, plain_lr)


def torch_equal(a, b) -> bool:
    return bool((a == b).all())


def test_degrading_takes_the_spare_cores_and_several_workers_give_the_same_batches(tmp_path):
    from core.training.distributed import SINGLE_PROCESS
    from core.training.run_data import MAX_DEGRADE_WORKERS, batches, loader_workers, prepare_data
    from tests.helpers.training import tiny_config

    assert loader_workers(fully_cached=True, degrading=False, cpus=16) == 0
    assert loader_workers(fully_cached=False, degrading=False, cpus=16) == 1
    assert loader_workers(fully_cached=True, degrading=True, cpus=2) == 1
    assert loader_workers(fully_cached=True, degrading=True, cpus=1) == 1
    assert loader_workers(fully_cached=True, degrading=True, cpus=64) == MAX_DEGRADE_WORKERS
    # The order stays a function of (seed, step): what the resume exactness rests on.
    config = tiny_config(tmp_path, degradation=DegradationConfig())
    data = prepare_data(config)

    def first(workers: int, start_step: int = 0) -> list:
        stream = batches(data, replace(config, num_workers=workers), start_step, SINGLE_PROCESS,
                         torch.device("cpu"))
        return [lr for _, (lr, _hr) in zip(range(3), stream)]

    alone, shared = first(0), first(2)
    assert all(torch.equal(a, b) for a, b in zip(alone, shared))
    assert torch.equal(first(2, start_step=1)[0], alone[1])
