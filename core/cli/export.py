"""srgan export: a training checkpoint, a blend of two models, or an ONNX graph, as a file.

    srgan export runs/gan/best.ckpt my-srgan.safetensors          # checkpoint -> model file
    srgan export srresnet-x4 srresnet-x4.onnx                     # model -> ONNX (chaiNNer, ONNX Runtime)
    srgan export --blend srresnet-x4 srgan-x4 0.4 detail-40.safetensors   # network interpolation
    srgan export runs/gan/last.ckpt training/gan/last.ckpt        # compact resume copy to commit
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.main import EXIT_OK, UserError
from core.models.blend import save_blend
from core.models.library import resolve_model
from core.models.model_file import MODEL_SUFFIX, ModelFileError, read_model_info
from core.models.onnx_export import ONNX_SUFFIX, export_onnx
from core.training.checkpoint import CHECKPOINT_SUFFIX, CheckpointError, compact_checkpoint, is_checkpoint_file
from core.training.trainer import export_model


def register(subparsers: argparse._SubParsersAction) -> None:
    e = subparsers.add_parser("export", help="write a checkpoint, a blend of two models or an ONNX graph as a file",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("source", nargs="?", help="a training checkpoint, or (for .onnx) a model file or library name")
    e.add_argument("output", type=Path,
                   help=f"the file to write ({MODEL_SUFFIX}, {ONNX_SUFFIX}, or {CHECKPOINT_SUFFIX}: a compact "
                        "resume copy of a last.ckpt, D and optimiser moments in bfloat16)")
    e.add_argument("--blend", nargs=3, metavar=("FAITHFUL", "PHOTO_REALISTIC", "WEIGHT"),
                   help="interpolate two models of one architecture: WEIGHT 0 = the first, 1 = the second")
    e.add_argument("--name", help="model name (default: the output file's stem)")
    e.add_argument("--title", default="")
    e.add_argument("--description", default="")
    e.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    e.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    if args.output.exists() and not args.force:
        raise UserError(f"{args.output} exists; add --force to replace it")
    try:
        if args.blend:
            return _export_blend(args)
        if args.source is None:
            raise UserError("name what to export: a checkpoint, a model (for .onnx), or --blend A B WEIGHT")
        if args.output.suffix.lower() == ONNX_SUFFIX:
            out = export_onnx(resolve_model(args.source), args.output)
            print(f"Wrote {out} (ONNX, x{read_model_info(resolve_model(args.source)).scale}, any input size)")
            return EXIT_OK
        if is_checkpoint_file(args.output):
            return _export_compact(Path(args.source), args.output)
        out = export_model(Path(args.source), args.output, name=args.name or args.output.stem,
                           title=args.title, description=args.description)
    except (CheckpointError, ModelFileError, ValueError) as exc:
        raise UserError(str(exc)) from None
    info = read_model_info(out)
    psnr = info.metrics.get("validation", {}).get("psnr")
    print(f"Wrote {out} (x{info.scale}, {info.provenance.get('steps')} steps"
          + (f", validation PSNR {psnr:.2f} dB)" if psnr is not None else ")"))
    return EXIT_OK


def _export_compact(source: Path, output: Path) -> int:
    if output.resolve() == source.resolve():
        raise UserError("write the compact copy to another file; the full checkpoint is kept")
    out = compact_checkpoint(source, output)
    print(f"Wrote {out} ({out.stat().st_size / 2**20:.1f} MiB, from {source.stat().st_size / 2**20:.1f} MiB; "
          f"resume with it in the run's folder as last.ckpt)")
    return EXIT_OK


def _export_blend(args: argparse.Namespace) -> int:
    faithful, realistic, weight_text = args.blend
    try:
        weight = float(weight_text)
    except ValueError:
        raise UserError(f"--blend WEIGHT must be a number between 0 and 1, got {weight_text!r}") from None
    if args.source is not None:
        raise UserError("--blend takes the two models itself; give only the output file")
    if args.output.suffix.lower() != MODEL_SUFFIX:
        raise UserError(f"a blend is written as a model file ({MODEL_SUFFIX}); export it to ONNX afterwards")
    out = save_blend(resolve_model(faithful), resolve_model(realistic), weight, args.output, name=args.name)
    print(f"Wrote {out} (detail {weight:.2f} between {faithful} and {realistic})")
    return EXIT_OK
