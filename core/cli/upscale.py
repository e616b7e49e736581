"""`srgan upscale IN... [-o OUT]`: upscale files and folders (recursively, mirroring the tree).

`srgan upscale photo.jpg -o big.png` names the one output file directly. `--model auto` gives
each image the model recommended for it (`core.batch.model_choice`) and says which and why.

Exit codes: 0 every planned file done (or skipped because its output exists); 1 some files
were not usable or failed (the others were processed; they are listed at the end); 2 bad
usage or nothing can run (missing input, bad model, output folder unusable or inside an input).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from core.batch.model_choice import BatchModels
from core.batch.plan import DEFAULT_NAMING, FORMAT_CHOICES
from core.batch.runner import (
    BatchOptions,
    BatchPlan,
    BatchPlanError,
    BatchProgress,
    ModelChosen,
    plan_batch,
    run_batch,
)
from core.cli.main import EXIT_OK, EXIT_SOME_FAILED, UserError
from core.cli.progress import ProgressBar
from core.common.errors import first_line
from core.common.events import DeviceChosen, Event, ExtraFramesIgnored, Finished, ImageDone, ImageFailed, drain
from core.common.formatting import format_count, format_duration
from core.imageio.files import DEFAULT_MAX_PIXELS, SUFFIX_FORMATS, ImageWriteError, load_image
from core.inference.cache import shared_upscalers
from core.inference.output_size import OutputSize
from core.inference.upscale import DEFAULT_DETAIL_PARTNER, UpscaleOptions, open_upscaler, refuse_overwriting_input
from core.inference.upscaler import InferenceOptions
from core.models.model_file import ModelFileError

FORMAT_ALIASES = {"jpg": "jpeg", "tif": "tiff"}
AUTO_MODEL = "auto"      # --model auto: each image its recommended model, the others the default


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "upscale", help="upscale images and folders 4x",
        description="Upscale image files and folders. Folders are searched recursively and their tree "
                    "is mirrored under the output folder (default: a sibling '<folder>_x4'; single files: "
                    "beside themselves). Existing outputs are skipped unless --overwrite.")
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="image files and/or folders")
    p.add_argument("-o", "--output", type=Path,
                   help="output folder (never inside an input folder); for one input file, may name the "
                        "output file itself, e.g. -o big.png")
    p.add_argument("--model", help="model file or library name (default: the default model); 'auto': the "
                                   "real-world model for images it is recommended for (compressed or noisy "
                                   "photos), the default model for the others, each named as it is chosen")
    p.add_argument("--detail", type=float, metavar="W",
                   help="blend --model (0, faithful) with --detail-with (1, photo-realistic): e.g. 0.4")
    p.add_argument("--detail-with", default=DEFAULT_DETAIL_PARTNER, metavar="MODEL",
                   help="the photo-realistic end of --detail (default %(default)s; any model of the same "
                        "architecture, e.g. a GAN fine-tuned from --model)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, metavar="N",
                      help="output N times the input (e.g. 2: the model's 4x, then a high-quality downscale)")
    size.add_argument("--width", type=int, metavar="PIXELS", help="output this wide; the height keeps the ratio")
    size.add_argument("--height", type=int, metavar="PIXELS", help="output this high; the width keeps the ratio")
    p.add_argument("--save-map", action="store_true",
                   help="also write <output>_map.png: where the result departs from what the input supports")
    p.add_argument("--format", default="keep", type=lambda s: FORMAT_ALIASES.get(s.lower(), s.lower()),
                   choices=FORMAT_CHOICES, help="output format (default: keep the source's)")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality 1-100 (default 95)")
    p.add_argument("--name", default=DEFAULT_NAMING, dest="naming",
                   help="output file name pattern; fields {stem} {name} {ext} {scale} (default %(default)s)")
    p.add_argument("--no-recursive", dest="recursive", action="store_false", help="only the folders' top level")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="only files matching (name or relative path; repeatable), e.g. '*.jpg'")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="leave matching files out")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (default: skip them)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    p.add_argument("--precision", default="auto", choices=("auto", "fp32"), help="default auto")
    p.add_argument("--tile", type=int, help="tile edge in input pixels (smaller uses less memory)")
    p.add_argument("--allow-huge", action="store_true",
                   help=f"process images over {DEFAULT_MAX_PIXELS / 1e6:.0f} megapixels")
    p.add_argument("--dry-run", action="store_true", help="show what would be done and the estimate; write nothing")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_upscale)


def run_upscale(args: argparse.Namespace) -> int:
    auto = args.model == AUTO_MODEL
    if auto and args.detail is not None:
        raise UserError("--detail blends two models you choose; it cannot be used with --model auto")
    try:
        batch = BatchOptions(output_dir=args.output, recursive=args.recursive, include=tuple(args.include),
                             exclude=tuple(args.exclude), naming=args.naming, output_format=args.format,
                             quality=args.quality, existing="overwrite" if args.overwrite else "skip",
                             max_pixels=None if args.allow_huge else DEFAULT_MAX_PIXELS, auto_model=auto)
        options = UpscaleOptions(model=None if auto else args.model, output_format=None, quality=args.quality,
                                 max_pixels=batch.max_pixels, detail=args.detail, detail_with=args.detail_with,
                                 save_map=args.save_map, output_size=_output_size(args),
                                 inference=InferenceOptions(device=args.device, precision=args.precision,
                                                            tile=args.tile))
        plan = _single_file_plan(args, batch) if _names_one_output_file(args) else plan_batch(args.inputs, batch)
    except (BatchPlanError, ValueError) as exc:
        raise UserError(str(exc)) from None
    for source, reason in plan.problems:
        print(f"skipping {source}: {reason}", file=sys.stderr)
    if not plan.jobs:
        print("nothing to upscale" + (" (no usable images)" if plan.problems else " (no images found)"),
              file=sys.stderr)
        return EXIT_SOME_FAILED if plan.problems else EXIT_OK
    try:
        upscaler = open_upscaler(options)
    except (ModelFileError, ValueError, RuntimeError) as exc:
        raise UserError(first_line(exc, limit=None)) from None
    if args.dry_run:
        return _dry_run(plan, upscaler, options)
    try:
        finished, models = _run(plan, options, upscaler, quiet=args.quiet)
    except BatchPlanError as exc:
        raise UserError(str(exc)) from None
    _print_summary(finished, plan.problems, models if auto else None)
    return EXIT_SOME_FAILED if finished.failed or plan.problems else EXIT_OK


def _output_size(args: argparse.Namespace) -> OutputSize | None:
    """--scale / --width / --height, or None for the model's own scale (ValueError for a bad value)."""
    if args.scale is None and args.width is None and args.height is None:
        return None
    return OutputSize(scale=args.scale, width=args.width, height=args.height)


def _names_one_output_file(args: argparse.Namespace) -> bool:
    """`srgan upscale photo.jpg -o big.png`: one input file and an output with an image suffix."""
    out = args.output
    return (out is not None and len(args.inputs) == 1 and args.inputs[0].is_file() and not out.is_dir()
            and out.suffix.lower() in SUFFIX_FORMATS)


def _single_file_plan(args: argparse.Namespace, batch: BatchOptions) -> BatchPlan:
    """The plan for exactly one named output file; its suffix decides the format unless --format says."""
    try:
        refuse_overwriting_input(args.inputs[0], args.output)
    except ImageWriteError:
        raise UserError(f"-o {args.output} is the input file itself; name another output "
                        "(an input is never overwritten)") from None
    fmt = batch.output_format if batch.output_format != "keep" else SUFFIX_FORMATS[args.output.suffix.lower()]
    batch = replace(batch, output_dir=args.output.parent, output_format=fmt)
    plan = plan_batch(args.inputs, batch)
    plan.jobs = [replace(job, destination=args.output, exists=args.output.exists()) for job in plan.jobs]
    plan.output_roots = [args.output.parent]
    return plan


def _run(plan, options: UpscaleOptions, upscaler, quiet: bool) -> tuple[Finished, Counter[str]]:
    """The run's summary, and how many files each model upscaled."""
    bar = None if quiet else ProgressBar(plan.pending_pixels, label="upscale", unit="px")
    models: Counter[str] = Counter()

    def on_event(event: Event) -> None:
        if isinstance(event, ImageDone):
            models[event.model] += 1
        _show(event, bar, quiet)

    try:
        return drain(run_batch(plan, options, upscaler=upscaler), on_event), models
    finally:
        if bar is not None:
            bar.close()


def _show(event: Event, bar: ProgressBar | None, quiet: bool) -> None:
    if isinstance(event, DeviceChosen) and not quiet:
        notice = f" ({event.notice})" if event.notice else ""
        print(f"device: {event.description}, {event.precision}{notice}", file=sys.stderr)
    elif isinstance(event, ImageFailed):
        _say(bar, f"failed {event.source}: {event.reason}")
    elif isinstance(event, ExtraFramesIgnored):
        _say(bar, f"warning: {event.message}")
    elif isinstance(event, ModelChosen) and not quiet:
        _say(bar, f"{event.source}: {event.model} ({event.reason})")
    elif isinstance(event, BatchProgress) and bar is not None:
        name = event.current.name if event.current else ""
        bar.update(event.pixels_done, total=event.pixels_total, rate=event.pixels_per_second or None,
                   extra=f"{event.images_done}/{event.images_total} files  {name}".rstrip())


def _say(bar: ProgressBar | None, text: str) -> None:
    if bar is not None:
        bar.message(text)
    else:
        print(text, file=sys.stderr)


def _print_summary(finished: Finished, problems: list, models: Counter[str] | None = None) -> None:
    """One line of counts (with `models`, which model did how many), then every file not processed."""
    counts = sorted(models.items(), key=lambda item: (-item[1], item[0])) if models else []   # most files first
    by_model = ", ".join(f"{count} with {name}" for name, count in counts)
    parts = [f"{finished.done} upscaled" + (f" ({by_model})" if by_model else "")]
    for reason, count in Counter(reason for _, reason in finished.skipped).items():
        parts.append(f"{count} skipped ({reason})")
    bad = list(problems) + list(finished.failed)
    if bad:
        parts.append(f"{len(bad)} failed")
    print(f"{', '.join(parts)} in {format_duration(finished.seconds)}", file=sys.stderr)
    if bad:
        print("not processed:", file=sys.stderr)
        for source, reason in bad:
            print(f"  {source}: {reason}", file=sys.stderr)


def _dry_run(plan, upscaler, options: UpscaleOptions) -> int:
    from core.batch.estimate import estimate_batch

    estimate = estimate_batch(plan, upscaler)
    auto = plan.options.auto_model
    models = BatchModels(auto, options, shared_upscalers, upscaler) if auto else None
    for job in plan.jobs:
        skipped = job.exists and plan.options.existing == "skip"
        mark = "skip (exists)" if skipped else f"{job.width}x{job.height}"
        choice = "" if models is None or skipped else f"  {_model_for(models, job.source, plan.options.max_pixels)}"
        print(f"{job.source} -> {job.destination}  [{mark}]{choice}")
    print(f"{len(plan.pending)} to upscale, {format_count(plan.pending_pixels)} input pixels; about "
          f"{format_duration(estimate.seconds)} on {estimate.device}; about "
          f"{estimate.output_bytes / 1e6:.1f} MB of output", file=sys.stderr)
    return EXIT_SOME_FAILED if plan.problems else EXIT_OK


def _model_for(models: BatchModels, source: Path, max_pixels: int | None) -> str:
    """'realworld-x4 (why)': what the run will choose, from the pixels as the run reads them."""
    try:
        image = load_image(source, max_pixels)
    except Exception as exc:  # noqa: BLE001 - the run will fail this file alone; the dry run says so and goes on
        return f"(cannot be read: {first_line(exc)})"
    name, reason = models.preview(source, image)
    return f"{name} ({reason})"
