"""srgan train DATA: training from the command line (srgan export turns a checkpoint into a model).

    srgan train photos/ --phase mse --out runs/mse                       # phase 1: SRResNet
    srgan train photos/ --phase gan --init-from runs/mse/best.ckpt --out runs/gan --export my-srgan
    srgan train photos/ --out runs/mse --resume                          # carry on after Ctrl-C
    torchrun --nproc-per-node 4 "$(which srgan)" train photos/ ...       # several GPUs (DDP)

The first Ctrl-C stops at the next step boundary and writes last.ckpt (resume later with
--resume); a second one aborts at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.cli.main import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, UserError
from core.cli.train_progress import TrainingPrinter, first_interrupt
from core.common.events import Cancelled, Control
from core.common.formatting import format_duration
from core.common.paths import user_models_dir
from core.models.library import resolve_model
from core.models.model_file import MODEL_SUFFIX, ModelFileError, read_model_info
from core.nets.config import DiscriminatorConfig, GeneratorConfig
from core.training.checkpoint import LAST_NAME, CheckpointError, is_checkpoint_file, load_checkpoint
from core.training.config import BEST_BY, CONTENT_LOSSES, TEXTURE_ON, TRAIN_PRECISIONS, TrainConfig
from core.training.degradations import DegradationConfig
from core.training.events import TrainingError
from core.training.trainer import export_model, train


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train SRResNet (--phase mse) or SRGAN (--phase gan) on a photo folder",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", type=Path, help="folder of training photos (searched recursively)")
    p.add_argument("--phase", choices=("mse", "gan"), default="mse",
                   help="mse: SRResNet with pixel loss (faithful); gan: SRGAN from --init-from (default %(default)s)")
    p.add_argument("--out", type=Path, help="checkpoint folder (default: runs/PHASE)")
    p.add_argument("--resume", action="store_true", help="carry on from OUT/last.ckpt")
    p.add_argument("--restart", action="store_true", help="start over even though OUT holds a run")
    p.add_argument("--init-from", help="model file, library name or checkpoint to start the generator from")
    p.add_argument("--export", metavar="NAME", help="save the best generator into your model library as NAME")
    p.add_argument("--val-dir", type=Path, help="held-out validation photos (default: hold out --val-count)")
    p.add_argument("--val-count", type=int, default=5, help="photos held out for validation (default %(default)s)")
    p.add_argument("--steps", type=int, default=100_000, help="optimisation steps in all (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=16, help="crops per step (default %(default)s)")
    p.add_argument("--crop-size", type=int, default=96, help="HR crop edge in pixels (default %(default)s)")
    p.add_argument("--photo-scale", type=float, default=1.0, metavar="FACTOR",
                   help="shrink training photos by FACTOR first (e.g. 0.5 for large, soft or JPEG photos)")
    p.add_argument("--min-crop-detail", type=float, default=0.0, metavar="LEVEL",
                   help="redraw crops flatter than LEVEL (mean luma step; ~1 sky, ~12 typical detail); 0: off")
    p.add_argument("--degrade", choices=("bicubic", "real-world"), default="bicubic",
                   help="how LR crops are made: clean bicubic (the papers') or the real-world chain of blur, "
                        "resize, noise and JPEG, once or twice (default %(default)s)")
    p.add_argument("--degrade-jpeg", type=int, nargs=2, metavar=("MIN", "MAX"), default=None,
                   help="real-world JPEG quality range (default 35 95)")
    p.add_argument("--degrade-noise", type=float, metavar="SIGMA", default=None,
                   help="real-world noise: the strongest Gaussian sigma in 8-bit levels (default 12)")
    p.add_argument("--degrade-blur", type=float, metavar="SIGMA", default=None,
                   help="real-world blur: the widest Gaussian sigma in HR pixels (default 2)")
    p.add_argument("--degrade-odds", type=float, nargs=3, metavar=("BLUR", "NOISE", "TWICE"), default=None,
                   help="real-world chance of blur, of noise and of a second pass, each 0-1 (default 0.7 0.5 0.5)")
    p.add_argument("--degrade-plain", type=float, metavar="P", default=None,
                   help="real-world chance of the plain path instead: bicubic downscale, one JPEG (default 0)")
    p.add_argument("--freeze-batchnorm", action="store_true",
                   help="keep the --init-from model's BatchNorm statistics (fine-tuning; srgan finetune does)")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate (default %(default)s)")
    p.add_argument("--lr-drop-at", type=float, metavar="FRACTION",
                   help="drop the lr 10x after this fraction of --steps (default: 0.5 for gan, never for mse)")
    p.add_argument("--content-loss", choices=CONTENT_LOSSES, default="vgg54",
                   help="gan phase content loss: VGG features after the ReLU (vgg54, the paper's; vgg22), "
                        "before it (vgg54-pre, as ESRGAN), or pixel mse (default %(default)s)")
    p.add_argument("--adversarial-weight", type=float, default=1e-3,
                   help="gan phase weight of the adversarial loss (default %(default)s)")
    p.add_argument("--pixel-weight", type=float, default=0.0, metavar="W",
                   help="gan phase: add W x L1 pixel loss to the content loss (ESRGAN uses it; default 0: the paper)")
    p.add_argument("--chroma-weight", type=float, default=0.0, metavar="W",
                   help="gan phase: add W x L1 on the chroma (Cb, Cr) alone, against colour speckle "
                        "(default 0)")
    p.add_argument("--lattice-weight", type=float, default=0.0, metavar="W",
                   help="gan phase: add W x the period-4 pattern in the luma error, against the grid a "
                        "x4 generator draws (default 0)")
    p.add_argument("--texture-on", choices=TEXTURE_ON, default="rgb",
                   help="gan phase: what the discriminator and content loss see; luma keeps them from "
                        "inventing colour speckle, leaving chroma to the pixel term (default %(default)s)")
    p.add_argument("--ema", action=argparse.BooleanOptionalAction, default=None,
                   help="average generator weights (default: on for gan, off for mse)")
    p.add_argument("--ema-decay", type=float, default=0.999, metavar="DECAY",
                   help="weight averaging decay; 0.999 spans ~1,000 steps, so short runs stay near their start "
                        "(default %(default)s)")
    p.add_argument("--best-by", choices=BEST_BY, default="auto",
                   help="what best.ckpt keeps: the highest held-out PSNR, the lowest NIQE within 0.5 dB PSNR of "
                        "the --init-from model (measures NIQE at each validation), or the latest validated; "
                        "auto: psnr for mse, latest for gan (default %(default)s)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default %(default)s)")
    p.add_argument("--precision", choices=TRAIN_PRECISIONS, default="auto",
                   help="auto: fp16 on CUDA, bf16 on CPUs with bf16 units, else fp32 (default %(default)s)")
    p.add_argument("--val-every", type=int, default=500,
                   help="score the held-out photos every N steps (default %(default)s)")
    p.add_argument("--checkpoint-every", type=int, default=500,
                   help="write OUT/last.ckpt every N steps (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed: the same seed and data give the same run (default %(default)s)")
    p.add_argument("--workers", type=int, default=None, help="data loader processes (default: automatic)")
    p.add_argument("--vgg-weights", type=Path, help="VGG19 weights file for the perceptual loss")
    p.add_argument("--scale", type=int, default=None, help="upscaling factor (default 4, or the init model's)")
    p.add_argument("--blocks", type=int, default=None,
                   help="residual blocks (default 16, or the init model's; "
                        "more than it has are added as identity blocks)")
    p.add_argument("--width", type=int, default=None, help="channels (default 64, or the init model's)")
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    export_path = _export_destination(args.export)
    _check_out_dir(config, args)
    main_process = os.environ.get("RANK", "0") == "0"
    control = Control()
    printer = TrainingPrinter(config, quiet=not main_process)
    previous = signal.signal(signal.SIGINT, first_interrupt(control, printer))
    try:
        finished = printer.consume(train(config, control, resume=args.resume))
    except Cancelled:
        printer.close()
        print(f"Stopped at step {printer.step}; {config.out_dir / LAST_NAME} is saved. Resume with the same "
              f"command plus --resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TrainingError as exc:
        printer.close()
        if printer.failed:
            print(f"srgan: training failed: {exc}", file=sys.stderr)
            return EXIT_SOME_FAILED
        raise UserError(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    printer.close()
    if main_process:
        _print_summary(finished, printer)
        if export_path is not None:
            out = export_model(finished.best_checkpoint, export_path, name=args.export, title=args.export)
            print(f"Model saved to your library: {out}")
    return EXIT_OK


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    init_from = resolve_start_model(args.init_from)
    arch = _init_arch(init_from) if init_from else GeneratorConfig()
    try:
        generator = replace(arch, **{k: v for k, v in (("scale", args.scale), ("num_blocks", args.blocks),
                                                       ("width", args.width)) if v is not None})
        return TrainConfig(
            data_dir=args.data, val_dir=args.val_dir, val_count=args.val_count, phase=args.phase,
            generator=generator, discriminator=DiscriminatorConfig(crop_size=args.crop_size),
            content_loss=args.content_loss, adversarial_weight=args.adversarial_weight,
            pixel_weight=args.pixel_weight, chroma_weight=args.chroma_weight, texture_on=args.texture_on,
            lattice_weight=args.lattice_weight, steps=args.steps,
            batch_size=args.batch_size, crop_size=args.crop_size, photo_scale=args.photo_scale,
            min_crop_detail=args.min_crop_detail, freeze_batchnorm=args.freeze_batchnorm,
            lr=args.lr, lr_drop_at=args.lr_drop_at, ema=args.ema, ema_decay=args.ema_decay, best_by=args.best_by,
            device=args.device, precision=args.precision, val_every=args.val_every,
            checkpoint_every=args.checkpoint_every, preview_every=max(args.val_every, 1), seed=args.seed,
            num_workers=args.workers, init_from=init_from, vgg_weights=args.vgg_weights,
            out_dir=args.out or Path("runs") / args.phase, degradation=_degradation(args))
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _degradation(args: argparse.Namespace) -> DegradationConfig | None:
    strengths = {"jpeg_quality": tuple(args.degrade_jpeg) if args.degrade_jpeg else None,
                 "noise_sigma": (min(1.0, args.degrade_noise), args.degrade_noise) if args.degrade_noise else None,
                 "blur_sigma": (min(0.2, args.degrade_blur), args.degrade_blur) if args.degrade_blur else None,
                 "plain_prob": args.degrade_plain}
    if args.degrade_odds:
        strengths.update(zip(("blur_prob", "noise_prob", "second_order"), args.degrade_odds, strict=True))
    chosen: dict[str, Any] = {k: v for k, v in strengths.items() if v is not None}
    if args.degrade == "bicubic":
        if chosen:
            raise UserError("--degrade-jpeg/-noise/-blur/-odds/-plain need --degrade real-world")
        return None
    try:
        return DegradationConfig(**chosen)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def resolve_start_model(name: str | None) -> Path | None:
    if name is None:
        return None
    if is_checkpoint_file(Path(name)):
        return Path(name)
    try:
        return resolve_model(name)
    except ModelFileError as exc:
        raise UserError(str(exc)) from None


def _init_arch(path: Path) -> GeneratorConfig:
    try:
        if is_checkpoint_file(path):
            return GeneratorConfig.from_dict(load_checkpoint(path)["config"]["generator"])
        return read_model_info(path).arch_config
    except (CheckpointError, ModelFileError) as exc:
        raise UserError(f"--init-from: {exc}") from None


def _export_destination(name: str | None) -> Path | None:
    if name is None:
        return None
    if not name or any(c in name for c in "/\\:") or name.startswith("."):
        raise UserError(f"--export {name!r}: use a plain name such as my-photos-x4")
    path = user_models_dir() / f"{name}{MODEL_SUFFIX}"
    if path.exists():
        raise UserError(f"your library already has a model named {name!r} ({path}); pick another name")
    return path


def _check_out_dir(config: TrainConfig, args: argparse.Namespace) -> None:
    last = config.out_dir / LAST_NAME
    if args.resume and args.restart:
        raise UserError("--resume and --restart contradict each other")
    if last.exists() and not (args.resume or args.restart):
        raise UserError(f"{config.out_dir} already holds a run; add --resume to carry on or --restart to start over")


def _print_summary(finished, printer: TrainingPrinter) -> None:
    print(f"Finished {finished.steps} steps in {format_duration(finished.seconds)}.")
    v = printer.last_validation
    if finished.best_psnr is not None:
        bicubic = f" (bicubic {v.bicubic_psnr:.2f} dB)" if v is not None else ""
        print(f"Best validation PSNR {finished.best_psnr:.2f} dB{bicubic}: {finished.best_checkpoint}")
    print(f"Last checkpoint: {finished.last_checkpoint}")
