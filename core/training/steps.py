"""One optimisation step of each phase: SRResNet (pixel MSE) and SRGAN (alternating D and G).

SRGAN (Ledig et al. 2017, eq. 3-6): D minimises BCE(D(HR), 1) + BCE(D(G(LR)), 0); G minimises
content + adversarial_weight * -log D(G(LR)) (the non-saturating form, BCE against 1), plus
optionally pixel_weight * L1(SR, HR) (ESRGAN's anchor, Wang et al. 2018), chroma_weight * L1 on the
chroma (Cb, Cr) alone and lattice_weight * the period-4 pattern in the luma error (`lattice_loss`).
With `texture_on_luma`, D and the content loss see only the luma of SR and HR (grey, in three
channels), and their gradient asks for grey detail (`grey_view`), so the texture losses cannot pay the
generator for invented colour; the pixel term alone steers chroma.
Losses are returned as plain floats; the caller decides what a non-finite value means.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from core.training.config import GanLosses
from core.training.distributed import unwrap
from core.training.lattice_loss import lattice_loss


@dataclass
class Precision:
    """How the forward passes run: autocast dtype (None = fp32) and gradient scaling."""

    device_type: str
    dtype: torch.dtype | None = None
    channels_last: bool = False

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    @property
    def name(self) -> str:
        return {None: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}[self.dtype]

    @property
    def needs_scaler(self) -> bool:
        return self.dtype == torch.float16

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x


@dataclass
class Networks:
    """Everything one step updates. `generator`/`discriminator` may be DDP-wrapped."""

    generator: nn.Module
    g_optimizer: torch.optim.Optimizer
    g_scaler: torch.amp.GradScaler
    content_loss: nn.Module | None = None       # gan phase; None means pixel MSE
    discriminator: nn.Module | None = None
    d_optimizer: torch.optim.Optimizer | None = None
    d_scaler: torch.amp.GradScaler | None = None


@dataclass(frozen=True)
class StepStats:
    losses: dict[str, float]
    d_real: float | None = None
    d_fake: float | None = None


def mse_step(nets: Networks, lr: torch.Tensor, hr: torch.Tensor, precision: Precision) -> StepStats:
    nets.g_optimizer.zero_grad(set_to_none=True)
    with precision.autocast():
        sr = nets.generator(lr)                                   # (N, C, sH, sW)
    loss = F.mse_loss(sr.float(), hr)
    _backward_and_step(loss, nets.g_optimizer, nets.g_scaler)
    return StepStats({"mse": loss.item()})


def gan_step(nets: Networks, lr: torch.Tensor, hr: torch.Tensor, precision: Precision,
             weights: GanLosses) -> StepStats:
    assert nets.discriminator is not None and nets.d_optimizer is not None and nets.d_scaler is not None
    with precision.autocast():
        sr = nets.generator(lr)                                   # (N, C, sH, sW)
    view = grey_view if weights.texture_on_luma else _same
    sr_seen, hr_seen = view(sr), view(hr)

    # Discriminator: real HR crops against the generator's current output.
    nets.d_optimizer.zero_grad(set_to_none=True)
    with precision.autocast():
        real_logits = nets.discriminator(precision.prepare(hr_seen)).float()   # (N, 1)
        fake_logits = nets.discriminator(precision.prepare(sr_seen.detach())).float()
    d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    _backward_and_step(d_loss, nets.d_optimizer, nets.d_scaler)

    # Generator: fool the just-updated D. D's weights get no gradient here, and the plain module
    # (not its DDP wrapper) runs so DDP does not wait for D gradients that never come.
    nets.g_optimizer.zero_grad(set_to_none=True)
    plain_d = unwrap(nets.discriminator)
    plain_d.requires_grad_(False)
    try:
        with precision.autocast():
            g_logits = plain_d(precision.prepare(sr_seen)).float()
        content = _content_loss(nets.content_loss, sr_seen.float(), hr_seen, precision)
        adversarial = F.binary_cross_entropy_with_logits(g_logits, torch.ones_like(g_logits))
        g_total = content + weights.adversarial_weight * adversarial
        pixel = F.l1_loss(sr.float(), hr) if weights.pixel_weight else None
        if pixel is not None:
            g_total = g_total + weights.pixel_weight * pixel
        chroma = F.l1_loss(chroma_planes(sr.float()), chroma_planes(hr)) if weights.chroma_weight else None
        if chroma is not None:
            g_total = g_total + weights.chroma_weight * chroma
        lattice = (lattice_loss(grey_view(sr.float())[:, :1], grey_view(hr)[:, :1])
                   if weights.lattice_weight else None)
        if lattice is not None:
            g_total = g_total + weights.lattice_weight * lattice
        _backward_and_step(g_total, nets.g_optimizer, nets.g_scaler)
    finally:
        plain_d.requires_grad_(True)
    losses = {"g_content": content.item(), "g_adversarial": adversarial.item(),
              "g_total": g_total.item(), "d": d_loss.item()}
    if pixel is not None:
        losses["g_pixel"] = pixel.item()
    if chroma is not None:
        losses["g_chroma"] = chroma.item()
    if lattice is not None:
        losses["g_lattice"] = lattice.item()
    return StepStats(losses, torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item())


class _GreyView(torch.autograd.Function):
    """Forward: BT.601 luma, repeated into three channels. Backward: the luma gradient split evenly
    over R, G and B, so what the texture losses ask for is grey detail.

    The true gradient would follow the luma weights (0.299, 0.587, 0.114): a texture added in those
    proportions is green and pink, which is the speckle an RGB GAN drew over Set14's grey bridge. Any
    direction with a positive luma component lowers the loss as well; the grey one adds no colour.
    """

    @staticmethod
    def forward(ctx: Any, rgb: torch.Tensor) -> torch.Tensor:
        weights = torch.tensor(_LUMA, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
        return (rgb * weights).sum(dim=1, keepdim=True).expand(-1, 3, -1, -1)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad.sum(dim=1, keepdim=True).expand(-1, 3, -1, -1) / 3


class _ChromaView(torch.autograd.Function):
    """Forward: BT.601 Cb and Cr. Backward: the chroma gradient moved along the directions that change
    Cb or Cr at constant luma, so what the chroma term asks for is colour alone.

    The true gradient follows the Cb and Cr rows, which also change luma (a unit of Cb moves Y by
    -0.19): a chroma loss five times the pixel term's weight then drags luma toward its L1 target too,
    smoothing the grain the texture losses ask for (Set14 NIQE 3.95 -> 4.0-4.4 in the first runs).
    """

    @staticmethod
    def forward(ctx: Any, rgb: torch.Tensor) -> torch.Tensor:
        matrix = torch.tensor(_CHROMA, dtype=rgb.dtype, device=rgb.device)
        return torch.einsum("kc,nchw->nkhw", matrix, rgb)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        directions = torch.tensor(_CHROMA_DIRECTIONS, dtype=grad.dtype, device=grad.device)
        return torch.einsum("kc,nkhw->nchw", directions, grad)


_LUMA = (0.299, 0.587, 0.114)
# BT.601 Cb and Cr rows without their offset: an L1 between two images does not need it.
_CHROMA = ((-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312))
# The RGB change of one unit of Cb, and of Cr, at constant luma (the inverse transform's columns).
_CHROMA_DIRECTIONS = ((0.0, -0.344136, 1.772), (1.402, -0.714136, 0.0))


def chroma_planes(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB in [0, 1] -> (N, 2, H, W) Cb and Cr, centred on 0 for grey; the gradient
    asks for colour at constant luma."""
    return _ChromaView.apply(rgb)


def grey_view(rgb: torch.Tensor) -> torch.Tensor:
    """The luma of an (N, 3, H, W) batch in three channels, whose gradient asks for grey detail."""
    return _GreyView.apply(rgb)


def _same(x: torch.Tensor) -> torch.Tensor:
    return x


def _content_loss(loss: nn.Module | None, sr: torch.Tensor, hr: torch.Tensor, precision: Precision) -> torch.Tensor:
    if loss is None:
        return F.mse_loss(sr, hr)
    with precision.autocast():
        return loss(precision.prepare(sr), precision.prepare(hr)).float()


def _backward_and_step(loss: torch.Tensor, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
    # A disabled GradScaler passes straight through, so fp32/bf16 share the fp16 code path.
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
