"""The GAN step's luma option: texture losses judge grey images, colour answers to the pixel term."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from core.training.config import GanLosses
from core.training.steps import Networks, Precision, chroma_planes, gan_step, grey_view

LUMA = torch.tensor([0.299, 0.587, 0.114])


class ShiftedUpscale(nn.Module):
    """A 2x nearest upscale plus one learnable colour offset: its gradient is the loss's pull on colour."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(lr, scale_factor=2, mode="nearest") + self.offset


def networks(seen: list[torch.Tensor]) -> Networks:
    torch.manual_seed(0)
    discriminator = nn.Sequential(nn.Conv2d(3, 4, 3), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten(), nn.Linear(4, 1))
    discriminator.register_forward_pre_hook(lambda _module, args: seen.append(args[0].detach().clone()))
    generator = ShiftedUpscale()
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    return Networks(generator, torch.optim.SGD(generator.parameters(), lr=1.0), scaler, None, discriminator,
                    torch.optim.SGD(discriminator.parameters(), lr=0.1), torch.amp.GradScaler("cpu", enabled=False))


def step(texture_on_luma: bool, pixel_weight: float, seen: list[torch.Tensor] | None = None,
         chroma_weight: float = 0.0) -> torch.Tensor:
    """The colour offset after one step from zero."""
    torch.manual_seed(1)
    hr = torch.rand(2, 3, 16, 16)
    lr = hr[:, :, ::2, ::2] * torch.tensor([1.2, 0.8, 1.0]).view(1, 3, 1, 1)   # SR's colour is off
    nets = networks(seen if seen is not None else [])
    gan_step(nets, lr, hr, Precision("cpu"), GanLosses(adversarial_weight=0.1, pixel_weight=pixel_weight,
                                                    chroma_weight=chroma_weight, texture_on_luma=texture_on_luma))
    return nets.generator.offset.detach().flatten()


def test_grey_view_is_the_bt601_luma_in_every_channel():
    rgb = torch.rand(2, 3, 5, 7)
    grey = grey_view(rgb)
    expected = (rgb * LUMA.view(1, 3, 1, 1)).sum(dim=1)
    for channel in range(3):
        assert torch.allclose(grey[:, channel], expected)


def test_on_luma_the_discriminator_sees_only_grey_images():
    seen: list[torch.Tensor] = []
    step(texture_on_luma=True, pixel_weight=0.0, seen=seen)
    assert len(seen) == 3                      # real, fake for D; fake for G
    for batch in seen:
        assert torch.allclose(batch[:, 0], batch[:, 1]) and torch.allclose(batch[:, 1], batch[:, 2])
    seen.clear()
    step(texture_on_luma=False, pixel_weight=0.0, seen=seen)
    assert not torch.allclose(seen[0][:, 0], seen[0][:, 1])     # on rgb D sees colour


def test_on_luma_the_texture_losses_ask_only_for_grey_detail():
    # Content (MSE here) and adversarial gradients move the colour offset equally in R, G and B: a
    # brighter or darker grey, never a tint (the luma weights themselves would tint it green).
    moved = step(texture_on_luma=True, pixel_weight=0.0)
    assert moved.abs().max() > 0
    assert torch.allclose(moved, moved.mean().expand(3), atol=1e-7)
    # On rgb the same losses correct each channel on its own.
    rgb = step(texture_on_luma=False, pixel_weight=0.0)
    assert not torch.allclose(rgb, rgb.mean().expand(3), atol=1e-3)


def test_the_grey_gradient_still_lowers_a_luma_loss():
    rgb = torch.rand(1, 3, 4, 4, requires_grad=True)
    target = torch.rand(1, 3, 4, 4)
    loss = ((grey_view(rgb) - grey_view(target)) ** 2).mean()
    loss.backward()
    assert rgb.grad is not None
    with torch.no_grad():
        after = ((grey_view(rgb - 0.1 * rgb.grad) - grey_view(target)) ** 2).mean()
    assert after < loss


def test_on_luma_the_pixel_term_still_corrects_colour():
    without = step(texture_on_luma=True, pixel_weight=0.0)
    with_pixel = step(texture_on_luma=True, pixel_weight=1.0)
    chroma = with_pixel - without                 # what the pixel term added
    # Red came out 20% too strong and green 20% too weak: the pixel term lowers red, raises green.
    assert chroma[0] < 0 < chroma[1]


def test_texture_on_must_be_rgb_or_luma(tmp_path):
    from tests.helpers.training import tiny_config
    assert tiny_config(tmp_path, texture_on="luma").texture_on == "luma"
    with pytest.raises(ValueError, match="texture_on"):
        tiny_config(tmp_path, texture_on="lab")


def test_chroma_planes_are_zero_on_grey_and_follow_bt601():
    grey = torch.rand(1, 1, 4, 4).expand(-1, 3, -1, -1)
    assert chroma_planes(grey).abs().max() < 1e-6
    red = torch.zeros(1, 3, 1, 1)
    red[:, 0] = 1.0
    cb, cr = chroma_planes(red).flatten().tolist()
    assert cb == pytest.approx(-0.168736) and cr == pytest.approx(0.5)


def test_the_chroma_term_pulls_colour_harder_without_touching_grey():
    # The SR's red is 20% too strong and its green 20% too weak. On luma the pixel term alone corrects
    # that a little; with the chroma term the correction is larger, and it stays a change of colour
    # at constant luma, so the term does not pull on the grain the texture losses ask for.
    pixel_only = step(texture_on_luma=True, pixel_weight=1.0)
    with_chroma = step(texture_on_luma=True, pixel_weight=1.0, chroma_weight=4.0)
    added = with_chroma - pixel_only
    assert added[0] < 0 < added[1]
    assert abs(float(added @ LUMA)) < 1e-5 * float(added.abs().max())


def test_the_chroma_gradient_still_lowers_a_chroma_loss_and_leaves_luma_alone():
    rgb = torch.rand(1, 3, 4, 4, requires_grad=True)
    target = torch.rand(1, 3, 4, 4)
    loss = (chroma_planes(rgb) - chroma_planes(target)).abs().mean()
    loss.backward()
    assert rgb.grad is not None
    with torch.no_grad():
        moved = rgb - 0.05 * rgb.grad
        after = (chroma_planes(moved) - chroma_planes(target)).abs().mean()
        luma_shift = ((moved - rgb) * LUMA.view(1, 3, 1, 1)).sum(dim=1).abs().max()
    assert after < loss
    assert luma_shift < 1e-6
