"""Building what a training run updates: device precision, G, D, losses, optimisers, schedulers, EMA."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.lr_scheduler import MultiStepLR

from core.common.devices import cpu_supports_fast_bf16
from core.models.model_file import ModelFileError, load_model
from core.nets.config import GeneratorConfig
from core.nets.deepen import can_deepen, deepen_weights
from core.nets.discriminator import Discriminator
from core.nets.srresnet import SRResNet
from core.training.batchnorm import freeze_batchnorm
from core.training.checkpoint import CheckpointError, is_checkpoint_file, load_checkpoint
from core.training.config import TrainConfig
from core.training.distributed import DistContext, wrap
from core.training.ema import EMA
from core.training.events import TrainingError
from core.training.steps import Networks, Precision


@dataclass
class TrainingSetup:
    """The networks and their optimisation state, ready for `train_steps`."""

    nets: Networks                              # what a step updates (G and D possibly DDP-wrapped)
    g_scheduler: MultiStepLR
    d_scheduler: MultiStepLR | None
    ema: EMA | None
    precision: Precision
    plain_generator: SRResNet                   # the networks themselves, never wrapped
    plain_discriminator: Discriminator | None

    def eval_generator(self) -> nn.Module:
        """What validation, previews and export use: the EMA weights when there are any."""
        return self.ema.model if self.ema is not None else self.plain_generator

    def weights_state(self) -> dict[str, Any]:
        """The generator and its EMA: all a 'best' checkpoint or an export needs."""
        return {"generator": self.plain_generator.state_dict(),
                "ema": self.ema.state_dict() if self.ema is not None else None}

    def optimisation_state(self) -> dict[str, Any]:
        """D and every optimiser, scheduler and gradient scaler: what exact resume adds."""
        nets, adversary = self.nets, self._adversary()
        state: dict[str, Any] = {
            "g_optimizer": nets.g_optimizer.state_dict(), "g_scheduler": self.g_scheduler.state_dict(),
            "g_scaler": nets.g_scaler.state_dict(),
            "discriminator": None, "d_optimizer": None, "d_scheduler": None, "d_scaler": None}
        if adversary is not None:
            d, d_optimizer, d_scheduler, d_scaler = adversary
            state.update(discriminator=d.state_dict(), d_optimizer=d_optimizer.state_dict(),
                         d_scheduler=d_scheduler.state_dict(), d_scaler=d_scaler.state_dict())
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Load a 'last' checkpoint's weights and optimisation state (KeyError/RuntimeError on mismatch)."""
        nets = self.nets
        self.plain_generator.load_state_dict(state["generator"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"] or state["generator"])
        nets.g_optimizer.load_state_dict(state["g_optimizer"])
        self.g_scheduler.load_state_dict(state["g_scheduler"])
        nets.g_scaler.load_state_dict(state["g_scaler"])
        adversary = self._adversary()
        if adversary is not None:
            d, d_optimizer, d_scheduler, d_scaler = adversary
            d.load_state_dict(state["discriminator"])
            d_optimizer.load_state_dict(state["d_optimizer"])
            d_scheduler.load_state_dict(state["d_scheduler"])
            d_scaler.load_state_dict(state["d_scaler"])

    def _adversary(self) -> tuple[Discriminator, torch.optim.Optimizer, MultiStepLR, torch.amp.GradScaler] | None:
        """The gan phase's D with its optimiser, scheduler and scaler; None in the mse phase."""
        d, nets = self.plain_discriminator, self.nets
        if d is None:
            return None
        if nets.d_optimizer is None or self.d_scheduler is None or nets.d_scaler is None:
            raise RuntimeError("a discriminator was built without its optimiser, scheduler or scaler")
        return d, nets.d_optimizer, self.d_scheduler, nets.d_scaler

    def follow_lr_drop(self, drop_step: int | None, step: int) -> None:
        """Put a resumed run on the current schedule: loaded schedulers carry the saved run's
        milestone, and a changed --steps or --lr-drop-at moves it (possibly to before `step`)."""
        for scheduler in (self.g_scheduler, self.d_scheduler):
            if scheduler is None:
                continue
            dropped = sum(1 for m in scheduler.milestones.elements() if m <= step)
            wanted = int(drop_step is not None and drop_step <= step)
            for group in scheduler.optimizer.param_groups:
                group["lr"] *= 0.1 ** (wanted - dropped)
            # Past milestones stay listed: the next resume counts them to know the drop happened.
            scheduler.milestones = Counter([drop_step] if drop_step is not None else [])
            scheduler._last_lr = [group["lr"] for group in scheduler.optimizer.param_groups]


def resolve_precision(requested: str, device: torch.device) -> Precision:
    """auto: fp16 autocast on CUDA, bf16 on CPUs with native bf16 units, fp32 elsewhere."""
    kind = device.type
    if requested == "auto":
        dtype = {"cuda": torch.float16}.get(kind)
        if kind == "cpu" and cpu_supports_fast_bf16():
            dtype = torch.bfloat16
    elif requested == "fp32":
        dtype = None
    elif requested == "bf16" and kind in ("cpu", "cuda"):
        dtype = torch.bfloat16
    elif requested == "fp16" and kind == "cuda":
        dtype = torch.float16
    else:
        raise TrainingError(f"precision {requested} is not supported on {kind}; use auto or fp32")
    # channels_last lets oneDNN/cuDNN pick their NHWC kernels: on a 2-core AVX2 CPU in fp32 a
    # paper-network step took 10.1 s instead of 14.6 s (benchmarks/bench_train.py).
    channels_last = kind in ("cuda", "cpu")
    return Precision(kind, dtype, channels_last)


def load_init_generator(path: Path, config: TrainConfig) -> dict[str, torch.Tensor]:
    """G's starting weights from a model file or a checkpoint (its EMA weights when present)."""
    return load_init_weights(path, config)[0]


def load_init_weights(path: Path, config: TrainConfig) -> tuple[dict[str, torch.Tensor],
                                                                dict[str, torch.Tensor] | None]:
    """G's starting weights (as `load_init_generator`) and D's, read in one pass.

    D's come from a GAN checkpoint of the same discriminator, so a gan run that carries on from another
    with new settings keeps its judge (a fresh D sends a trained SRGAN back toward the pixel average for
    ~1,000 steps: Set14 NIQE 4.27 -> 4.50 at step 200, issue 14); None: a fresh D.
    """
    discriminator = None
    try:
        if is_checkpoint_file(path):
            state = load_checkpoint(path)
            arch = state["config"]["generator"]
            weights = state.get("ema") or state["generator"]
            discriminator = _same_discriminator(state, config)
        else:
            model, info = load_model(path)
            arch, weights = info.arch_config.to_dict(), model.state_dict()
    except (CheckpointError, ModelFileError) as exc:
        raise TrainingError(f"cannot start from {Path(path).name}: {exc}") from None
    saved = GeneratorConfig.from_dict(arch)
    if saved == config.generator:
        return weights, discriminator
    if can_deepen(saved, config.generator):
        return deepen_weights(weights, saved, config.generator, seed=config.seed), discriminator
    raise TrainingError(f"{Path(path).name} is a different network ({arch}) from the one this run "
                        f"trains ({config.generator.to_dict()}); only more residual blocks can be added")


def _same_discriminator(state: dict[str, Any], config: TrainConfig) -> dict[str, torch.Tensor] | None:
    """The checkpoint's D weights in fp32 (compact copies keep them in bf16) when this run has that D."""
    if config.phase != "gan" or state.get("discriminator") is None:
        return None
    if state["config"].get("discriminator") != config.discriminator.to_dict():
        return None
    return {name: tensor.float() for name, tensor in state["discriminator"].items()}


def build_content_loss(config: TrainConfig, device: torch.device) -> nn.Module | None:
    """The gan phase's perceptual loss (VGG features), built once per run; None means pixel MSE."""
    if not config.uses_vgg:
        return None
    from core.training.vgg_loss import PerceptualLoss, VGGWeightsMissing, resolve_vgg_weights
    try:
        weights, _source = resolve_vgg_weights(config.vgg_weights)
    except VGGWeightsMissing as exc:
        raise TrainingError(str(exc)) from None
    return PerceptualLoss(layer=config.content_loss, weights=weights).to(device).eval()


def build_setup(config: TrainConfig, device: torch.device, precision: Precision, ctx: DistContext,
                content_loss: nn.Module | None = None,
                init_weights: dict[str, torch.Tensor] | None = None,
                init_discriminator: dict[str, torch.Tensor] | None = None) -> TrainingSetup:
    torch.manual_seed(config.seed)   # identical initial weights on every process and every resume
    memory = torch.channels_last if precision.channels_last else torch.preserve_format
    generator = SRResNet(config.generator)
    if init_weights is not None:
        generator.load_state_dict(init_weights)
    if config.freeze_batchnorm:
        freeze_batchnorm(generator)
    generator = generator.to(device).to(memory_format=memory).train()
    ema = EMA(generator, config.ema_decay) if config.use_ema else None
    betas = (config.beta1, 0.999)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas)
    milestones = [config.lr_drop_step] if config.lr_drop_step else []
    if content_loss is not None:
        # The VGG weights must share the inputs' memory format, or oneDNN reorders them every call.
        content_loss = content_loss.to(memory_format=memory)
    nets = Networks(wrap(generator, ctx), g_opt, _scaler(device, precision), content_loss)
    d_sched, discriminator = None, None
    if config.phase == "gan":
        discriminator = Discriminator(config.discriminator)
        if init_discriminator is not None:
            discriminator.load_state_dict(init_discriminator)
        discriminator = discriminator.to(device).to(memory_format=memory).train()
        nets.discriminator = wrap(discriminator, ctx)
        nets.d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=betas)
        nets.d_scaler = _scaler(device, precision)
        d_sched = MultiStepLR(nets.d_optimizer, milestones, gamma=0.1)
    g_sched = MultiStepLR(g_opt, milestones, gamma=0.1)
    return TrainingSetup(nets, g_sched, d_sched, ema, precision, generator, discriminator)


def _scaler(device: torch.device, precision: Precision) -> torch.amp.GradScaler:
    return torch.amp.GradScaler(device.type, enabled=precision.needs_scaler)
