"""The lattice loss: it sees the period-4 grid in SR's error, not texture, HR's own patterns or a tint."""

from __future__ import annotations

import pytest
import torch

from core.training.lattice_loss import lattice_loss


def grid(amplitude: float, size: int = 96) -> torch.Tensor:
    """A period-4 pattern (one 4 x 4 tile repeated) with mean 0 and mean |value| == amplitude."""
    torch.manual_seed(3)
    tile = torch.randn(4, 4)
    tile = tile - tile.mean()
    tile = tile / tile.abs().mean() * amplitude
    return tile.repeat(size // 4, size // 4).view(1, 1, size, size)


def test_a_grid_in_the_error_scores_its_amplitude_and_texture_scores_far_less():
    torch.manual_seed(0)
    hr = torch.rand(2, 1, 96, 96)
    assert lattice_loss(hr + grid(0.01), hr).item() == pytest.approx(0.01, rel=1e-4)
    texture = torch.randn(2, 1, 96, 96) * 0.0125           # same mean |value| (0.01) as the grid
    assert lattice_loss(hr + texture, hr).item() < 0.15 * 0.01


def test_hr_patterns_that_sr_reproduces_and_a_uniform_offset_cost_nothing():
    torch.manual_seed(0)
    hr = torch.rand(1, 1, 96, 96) + grid(0.2)               # a tiled texture in the photo itself
    assert lattice_loss(hr + 0.05, hr).item() < 1e-6
    assert lattice_loss(hr, hr).item() == 0


def test_small_crops_use_smaller_windows_and_tiny_ones_are_refused():
    hr = torch.zeros(1, 1, 24, 24)
    assert lattice_loss(hr + grid(0.01, 24), hr).item() == pytest.approx(0.01, rel=1e-4)
    with pytest.raises(ValueError, match="at least 8 px"):
        lattice_loss(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 6, 6))


def test_descending_it_removes_the_grid_and_keeps_the_texture():
    torch.manual_seed(0)
    hr = torch.rand(1, 1, 96, 96)
    texture = torch.randn(1, 1, 96, 96) * 0.03
    sr = (hr + texture + grid(0.02)).requires_grad_(True)
    before = lattice_loss(sr, hr).item()
    optimizer = torch.optim.SGD([sr], lr=50.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: 1 - i / 300)   # L1 steps must shrink
    for _ in range(300):
        optimizer.zero_grad()
        lattice_loss(sr, hr).backward()
        optimizer.step()
        schedule.step()
    with torch.no_grad():
        error = (sr - hr).flatten()
        assert lattice_loss(sr, hr).item() < 0.05 * before                       # the grid is gone
        assert torch.corrcoef(torch.stack([error, texture.flatten()]))[0, 1] > 0.97   # the texture stayed
