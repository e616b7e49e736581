"""`srgan eval MODEL HR_FOLDER`: PSNR/SSIM on the Y channel next to bicubic (the papers' protocol)."""

from __future__ import annotations

import argparse
import json
import sys

from core.cli.main import EXIT_OK, EXIT_SOME_FAILED, UserError
from core.common.devices import PRECISIONS
from core.common.events import DeviceChosen, Event, ImageDone, ImageFailed, drain
from core.evaluation.evaluate import EvalReport, evaluate, evaluate_bicubic
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.library import resolve_model
from core.models.model_file import ModelFileError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="measure PSNR/SSIM of a model on a folder of HR images (e.g. Set5)",
        description="Each HR image is modcropped, downscaled by antialiased bicubic and upscaled by the "
                    "model; PSNR/SSIM are measured on the BT.601 Y channel with SCALE border pixels "
                    "shaved, next to plain bicubic upscaling.")
    parser.add_argument("model", help="model file or library name, or 'bicubic' for the baseline alone")
    parser.add_argument("hr_folder", help="folder of high-resolution reference images")
    parser.add_argument("--scale", type=int, default=None,
                        help="upscaling factor (default: the model's; 4 for bicubic)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    parser.add_argument("--tile", type=int, default=None, help="tile edge in input pixels (default: by device)")
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32",
                        help="fp32 (default: scores the model itself, the same on every machine) or auto "
                             "(the device's fast path, bf16/fp16, as the app upscales)")
    parser.add_argument("--lr-jpeg", type=int, metavar="QUALITY",
                        help="save each LR image as a JPEG of this quality first (e.g. 75: web and phone photos)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(run=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    if args.lr_jpeg is not None and not 1 <= args.lr_jpeg <= 100:
        raise UserError(f"--lr-jpeg must be a JPEG quality between 1 and 100, got {args.lr_jpeg}")
    if args.scale is not None and not 2 <= args.scale <= 8:
        raise UserError(f"--scale must be between 2 and 8, got {args.scale}")
    try:
        if args.model == "bicubic":
            report = evaluate_bicubic(args.hr_folder, args.scale or 4, args.lr_jpeg)
        else:
            upscaler = Upscaler(resolve_model(args.model), InferenceOptions(device=args.device, tile=args.tile,
                                                                   precision=args.precision))
            report = drain(evaluate(upscaler, args.hr_folder, args.scale, lr_jpeg=args.lr_jpeg),
                           None if args.json else _progress)
    except (ModelFileError, ValueError) as exc:
        raise UserError(str(exc)) from None
    if not report.rows:
        raise UserError(f"{args.hr_folder}: none of the images could be read")
    print(json.dumps(_as_json(report), indent=2) if args.json else format_table(report))
    for path, reason in report.failed:
        print(f"srgan: skipped {path}: {reason}", file=sys.stderr)
    return EXIT_SOME_FAILED if report.failed else EXIT_OK


def _progress(event: Event) -> None:
    if isinstance(event, DeviceChosen):
        print(f"device: {event.description} ({event.precision})", file=sys.stderr)
    elif isinstance(event, ImageDone):
        name = event.source.name if event.source is not None else "image"
        print(f"[{event.index + 1}/{event.total}] {name} ({event.seconds:.1f} s)", file=sys.stderr)
    elif isinstance(event, ImageFailed):
        print(f"failed: {event.source.name}: {event.reason}", file=sys.stderr)


def format_table(report: EvalReport) -> str:
    lr = f", LR saved as JPEG quality {report.lr_jpeg}" if report.lr_jpeg else ""
    lines = [f"{report.model} on {report.folder} (x{report.scale}{lr}, Y channel, {report.scale}-pixel border "
             "shaved; NIQE: lower = more natural)",
             f"{'image':<16} {'PSNR':>8} {'SSIM':>7} {'NIQE':>6}   {'bicubic':>8} {'SSIM':>7} {'NIQE':>6}"]
    for row in report.rows:
        lines.append(f"{row.name:<16} {row.psnr:8.2f} {row.ssim:7.4f} {row.niqe:6.2f}   "
                     f"{row.bicubic_psnr:8.2f} {row.bicubic_ssim:7.4f} {row.bicubic_niqe:6.2f}")
    lines.append(f"{'mean':<16} {report.mean_psnr:8.2f} {report.mean_ssim:7.4f} {report.mean_niqe:6.2f}   "
                 f"{report.mean_bicubic_psnr:8.2f} {report.mean_bicubic_ssim:7.4f} {report.mean_bicubic_niqe:6.2f}")
    lines.append(f"original images: NIQE {report.mean_original_niqe:.2f}")
    return "\n".join(lines)


def _as_json(report: EvalReport) -> dict:
    return {
        "model": report.model, "folder": report.folder, "scale": report.scale, "lr_jpeg": report.lr_jpeg,
        "mean": report.as_metrics(),
        "images": [{"name": r.name, "psnr": r.psnr, "ssim": r.ssim, "niqe": r.niqe,
                    "bicubic_psnr": r.bicubic_psnr, "bicubic_ssim": r.bicubic_ssim, "bicubic_niqe": r.bicubic_niqe,
                    "original_niqe": r.original_niqe} for r in report.rows],
        "failed": [{"file": str(p), "reason": reason} for p, reason in report.failed],
    }
