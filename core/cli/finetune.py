"""srgan finetune PHOTOS: fine-tune a model on your photos for a time budget; the result lands in your
model library, unless it is no better than the model it started from.

    srgan finetune ~/Pictures/garden --minutes 60 --export "Garden"             # faithful, from the default
    srgan finetune photos/ --mode photo-realistic --base srgan-x4 --minutes 480 --export "Garden (GAN)"
    srgan finetune --list                      # every run: kept, interrupted, finished
    srgan finetune --resume 20250101-120000    # carry on after Ctrl-C or a crash, then export
    srgan finetune --finish 20250101-120000 --export "Garden"   # export a stopped run's best so far
    srgan finetune --delete 20250101-120000

The wizard's recipe, hold-out rule and selection rule apply (core/finetune). The step time is
measured once for these settings on this computer and remembered; the plan fills --minutes with
training, the checks on the held-out photos and the checkpoints. Ctrl-C stops at the next step
with a checkpoint and keeps the run. Exit codes: 0 exported, 1 no improvement (nothing
exported), 2 unusable input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

from core.cli.finetune_output import print_runs, print_scoreboard
from core.cli.main import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, UserError
from core.cli.progress import ProgressBar
from core.cli.train import resolve_start_model
from core.cli.train_progress import TrainingPrinter, first_interrupt
from core.common.devices import choose_device
from core.common.events import Cancelled, Control, drain
from core.finetune.budget import BudgetPlan, RunSize, budget_text, plan_budget, plan_for_steps
from core.finetune.finish import NO_IMPROVEMENT, finish_run
from core.finetune.naming import model_slug, name_problem, suggest_name
from core.finetune.photos import PhotoSummary, scan_photos
from core.finetune.recipe import PHOTO_CONDITIONS, FineTuneChoices, build_train_config, recipe_for
from core.finetune.runner import run_finetune
from core.finetune.runs import RunError, RunRecord, create_run, delete_run, list_runs, mark, read_run, update_run
from core.finetune.speed import cached_speed, speed_for
from core.inference.upscale import DEFAULT_DETAIL_PARTNER
from core.models.library import list_models
from core.models.model_file import ModelFileError, read_model_info
from core.training.config import TRAIN_PRECISIONS
from core.training.events import TrainingError
from core.training.timing import TimingProgress, Timings
from core.training.vgg_weights import missing_message, vgg_weights_available

MODES = {"faithful": "faithful", "photo-realistic": "realistic"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("finetune", help="fine-tune a model on your photos for a time budget",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("photos", type=Path, nargs="?", help="folder of your photos (searched recursively)")
    p.add_argument("--base", metavar="MODEL", help="model to start from: a library name such as srresnet-x4, a "
                                                    "model file or a checkpoint (default: the default model; "
                                                    f"{DEFAULT_DETAIL_PARTNER} for photo-realistic)")
    p.add_argument("--minutes", type=float, default=15.0,
                   help="time budget in minutes, all included (default %(default)g; 480 for overnight)")
    p.add_argument("--mode", choices=tuple(MODES), default="faithful",
                   help="faithful: sharper, true to the photo (PSNR decides); photo-realistic: invented texture, "
                        "GAN (NIQE decides, within 0.5 dB PSNR of the base) (default %(default)s)")
    p.add_argument("--export", metavar="NAME", help="name of the new model in your library (default: from the folder)")
    p.add_argument("--photos-are", dest="condition", choices=tuple(PHOTO_CONDITIONS), default="clean",
                   help="what the photos are like; the model learns to undo it (default %(default)s)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default %(default)s)")
    p.add_argument("--precision", choices=TRAIN_PRECISIONS, default="auto", help="(default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed; also picks the held-out photos (default 0)")
    p.add_argument("--vgg-weights", type=Path, help="VGG19 weights for the photo-realistic mode's perceptual loss")
    p.add_argument("--remeasure", action="store_true", help="measure the training speed again, not from memory")
    p.add_argument("--steps", type=int, help=argparse.SUPPRESS)     # tests: a step count instead of --minutes
    runs = p.add_mutually_exclusive_group()
    runs.add_argument("--list", action="store_true", help="list the fine-tune runs and what became of them")
    runs.add_argument("--resume", metavar="ID", help="carry on with a kept or interrupted run, then export it")
    runs.add_argument("--finish", metavar="ID", help="export a stopped run's best result now (with --export)")
    runs.add_argument("--delete", metavar="ID", help="delete a run and its checkpoints")
    p.set_defaults(run=run_finetune_command)


def run_finetune_command(args: argparse.Namespace) -> int:
    if args.list:
        print_runs(list_runs())
        return EXIT_OK
    if args.delete:
        return _delete(args.delete)
    if args.finish:
        run = _read(args.finish)
        return _finish(run, _export_name(args.export or run.title))
    if args.resume:
        return _resume(args)
    if args.photos is None:
        raise UserError("give a photo folder (or --list, --resume ID, --finish ID, --delete ID)")
    return _new_run(args)


def _new_run(args: argparse.Namespace) -> int:
    mode = MODES[args.mode]
    if not args.minutes > 0:
        raise UserError("--minutes must be more than 0")
    base = resolve_start_model(args.base) if args.base else _default_base(mode)
    title = _export_name(args.export or suggest_name(args.photos, mode))
    recipe = recipe_for(args.device)
    if mode == "realistic" and recipe.content_loss != "mse" and not vgg_weights_available(args.vgg_weights):
        raise UserError(f"photo-realistic mode needs VGG19 weights: {missing_message()}")
    summary = _scan(args.photos, args.seed, recipe.crop_size)
    choices = FineTuneChoices(data_dir=args.photos, base_model=base, mode=mode, photos=args.condition,
                              held_out=summary.held_out_names(), device=args.device, precision=args.precision,
                              seed=args.seed, vgg_weights=args.vgg_weights)
    try:
        probe = build_train_config(choices, recipe, plan_for_steps(1), Path(tempfile.gettempdir()))
        timings = _measure(probe, args.remeasure)
    except (ValueError, TrainingError) as exc:
        raise UserError(str(exc)) from None
    plan = _plan(args, timings, RunSize.of(summary, recipe.photo_scale, base is not None))
    print(budget_text(plan, choose_device(args.device, "fp32").description), file=sys.stderr)
    run = create_run(choices, recipe, plan, title, base_title=_model_title(base))
    provenance = {"training_photos": len(summary.training), "validation_photos": list(summary.held_out_names())}
    return _train_and_finish(run, resume=False, provenance=provenance)


def _resume(args: argparse.Namespace) -> int:
    run = _read(args.resume)
    if not run.resumable:
        hint = (f"; export it with srgan finetune --finish {run.id} --export NAME" if run.finishable else "")
        raise UserError(f"run {run.id} cannot be resumed: {run.status_text()}{hint}")
    title = _export_name(args.export or run.title)
    if title != run.title:
        run = update_run(run, title=title)
    return _train_and_finish(run, resume=True)


def _train_and_finish(run: RunRecord, resume: bool, provenance: dict | None = None) -> int:
    control = Control()
    printer = TrainingPrinter(run.train_config())
    previous = signal.signal(signal.SIGINT, first_interrupt(control, printer))
    try:
        done = printer.consume(run_finetune(run, control, resume=resume))
    except Cancelled:
        printer.close()
        kept = mark(read_run(run.id), "kept")
        print(f"Stopped at step {kept.last_step:,} of {kept.total_steps:,}; the run is kept as {run.id}.\n"
              f"Resume it with: srgan finetune --resume {run.id}\n"
              f"Export its best so far with: srgan finetune --finish {run.id} --export NAME\n"
              f"See every run with: srgan finetune --list", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (TrainingError, RunError) as exc:
        printer.close()
        print(f"srgan: fine-tune stopped: {exc}\nThe run is kept as {run.id}: srgan finetune --resume {run.id} "
              "carries on from its last checkpoint.", file=sys.stderr)
        return EXIT_SOME_FAILED
    finally:
        signal.signal(signal.SIGINT, previous)
    printer.close()
    return _finish(done.run, done.run.title, provenance)


def _finish(run: RunRecord, title: str, provenance: dict | None = None) -> int:
    try:
        result = finish_run(run, title, provenance=provenance)
    except (RunError, ValueError) as exc:
        raise UserError(str(exc)) from None
    print_scoreboard(result.run, result.selection)
    if result.model is None:
        print(NO_IMPROVEMENT)
        return EXIT_SOME_FAILED
    print(f"Saved to your library as \u201c{title}\u201d: {result.model}\n"
          f"Use it with: srgan upscale PHOTO --model {model_slug(title)}")
    return EXIT_OK


def _delete(run_id: str) -> int:
    run = _read(run_id)
    if not delete_run(run):
        raise UserError(f"run {run.id} cannot be deleted now ({run.status_text()})")
    print(f"Deleted run {run.id} and its checkpoints.")
    return EXIT_OK


def _read(run_id: str) -> RunRecord:
    try:
        return read_run(run_id)
    except RunError as exc:
        raise UserError(f"{exc} (srgan finetune --list shows the runs)") from None


def _export_name(title: str) -> str:
    """The model name, refused before any training when it cannot be used."""
    problem = name_problem(title)
    if problem:
        raise UserError(f"--export {title!r}: {problem}")
    return title.strip()


def _default_base(mode: str) -> Path:
    """The library's default model; for photo-realistic its photo-realistic one when installed."""
    entries, _ = list_models()
    if mode == "realistic":
        wanted = next((e for e in entries if e.info.name == DEFAULT_DETAIL_PARTNER), None)
        if wanted is not None:
            return wanted.path
    default = next((e for e in entries if e.default), entries[0] if entries else None)
    if default is None:
        raise UserError("no model is installed to start from: pass one with --base")
    return default.path


def _model_title(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return read_model_info(path).display_name
    except ModelFileError:
        return path.stem                            # a checkpoint


def _scan(folder: Path, seed: int, min_size: int) -> PhotoSummary:
    bar = ProgressBar(0, label="photos", unit="file")
    try:
        summary = drain(scan_photos(folder, seed=seed, min_size=min_size, thumbnails=False,
                                    progress=lambda done, total: bar.update(done, total=total)))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    finally:
        bar.close()
    if not summary.can_train:
        raise UserError(summary.warning)
    print(f"{len(summary.usable)} usable photos in {folder}: {len(summary.training)} to train on, "
          f"{len(summary.validation)} held out to measure progress ({', '.join(summary.held_out_names())})"
          + (f"; {len(summary.skipped)} skipped" if summary.skipped else ""), file=sys.stderr)
    if summary.warning:
        print(summary.warning, file=sys.stderr)
    return summary


def _measure(config, remeasure: bool) -> Timings:
    if not remeasure and cached_speed(config) is not None:
        return drain(speed_for(config))
    print("Measuring how fast this computer trains with these settings (once; remembered for next time)...",
          file=sys.stderr)
    bars: list[ProgressBar] = []

    def show(event: TimingProgress) -> None:
        if event.total and not bars:                # the steps' bar; the other stages take a moment
            bars.append(ProgressBar(event.total, label="measure", unit="step"))
        if bars:
            bars[0].update(event.done)

    try:
        return drain(speed_for(config, remeasure=remeasure), show)
    finally:
        for bar in bars:
            bar.close()


def _plan(args: argparse.Namespace, timings: Timings, size: RunSize) -> BudgetPlan:
    if args.steps is not None:
        if args.steps < 1:
            raise UserError("--steps must be at least 1")
        return plan_for_steps(args.steps, timings, size)
    plan = plan_budget(args.minutes, timings, size)
    if plan.problem:
        raise UserError(plan.problem)
    return plan
