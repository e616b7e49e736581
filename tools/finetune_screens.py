"""Set up fine-tune runs and open the wizard or the Fine-Tunes list on them, for docs/screenshots.

    python tools/finetune_screens.py prepare WORK            # once: photos and runs (a few minutes)
    ../shared/tools/screenshot docs/screenshots/finetune_runs.png 20 \
        .venv/bin/python tools/finetune_screens.py show WORK runs

WORK holds everything: the user data folder (SRGAN_DESKTOP_DATA_DIR: runs, speed cache, models),
the settings (XDG_CONFIG_HOME) and a "Comics" folder of pictures: line art the bundled models never
saw (benchmarks/domains.py), or the first 14 photos of --photos, shrunk to 480 px. `prepare` trains
the runs with core's API, on the bundled faithful model unless said (small batches, so it takes a
few minutes on a CPU): one from an untrained network, finished and saved; one finished; one kept;
one interrupted; one that beat nothing (its rate too small to move the weights); one like it
interrupted near its end; and a damaged record.
`show` opens a screen: `budget` (the goal page, advanced settings open), `runs` (Tools ›
Fine-Tunes over the main window), `training` (the kept run resumed), `no-improvement` (the run
near its end resumed, finished, on the finish page).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

SCREENS = ("budget", "runs", "training", "no-improvement")
PHOTOS = 14
PHOTO_EDGE = 480


def use_work_folder(work: Path) -> None:
    """Point the app's data and settings at `work` (before core or Qt read them)."""
    os.environ["SRGAN_DESKTOP_DATA_DIR"] = str(work / "data")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")


def prepare(work: Path, source: Path | None) -> None:
    from PIL import Image

    from benchmarks.domains import make_domain
    from core.finetune.finish import finish_run
    from core.finetune.runs import mark, runs_root

    photos = work / "Comics"
    if source is None:
        make_domain("lineart", photos, PHOTOS, seed=7)
    else:
        photos.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".png"))[:PHOTOS]:
            with Image.open(path) as image:
                image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
                image.convert("RGB").save(photos / f"{path.stem}.jpg", quality=92)
    finish_run(train(photos, "Comics (from scratch)", steps=80, lr=1e-3, base=None), "Comics (from scratch)")
    finish_run(train(photos, "Comics (faithful)", steps=80), "Comics (faithful)")
    mark(train(photos, "Comics (faithful) 2", steps=160, stop_at=60), "kept")
    train(photos, "Comics (faithful) 3", steps=120, stop_at=24)
    finish_run(train(photos, "Comics (faithful) 4", steps=30, lr=1e-9), "Comics (faithful) 4")
    train(photos, "Comics (faithful) 5", steps=40, stop_at=36, lr=1e-9)
    damaged = runs_root() / "20250101-120000"
    damaged.mkdir(parents=True, exist_ok=True)
    (damaged / "run.json").write_text('{"format": "srgan-desktop-finetune-run", "state": "runn')


def train(photos: Path, title: str, steps: int, stop_at: int | None = None, lr: float = 2e-4,
          base: str | None = "srresnet-x4.safetensors"):
    """A faithful run of a bundled model (None: an untrained network), as the wizard trains it but
    with small batches."""
    from core.common.events import Cancelled, Control, drain
    from core.common.paths import bundled_models_dir
    from core.finetune.budget import plan_for_steps
    from core.finetune.photos import scan_photos
    from core.finetune.recipe import FineTuneChoices, recipe_for
    from core.finetune.runner import run_finetune
    from core.finetune.runs import create_run, read_run
    from core.finetune.speed import speed_for
    from core.training.events import StepDone

    summary = drain(scan_photos(photos, thumbnails=False))
    base_model = bundled_models_dir() / base if base else None
    choices = FineTuneChoices(data_dir=photos, base_model=base_model, held_out=summary.held_out_names(),
                              device="cpu")
    recipe = replace(recipe_for("cpu"), batch_size=4, crop_size=64, lr=lr)
    run = create_run(choices, recipe, plan_for_steps(steps), title, base_title="SRResNet x4 (Faithful)" if base else "")
    drain(speed_for(run.train_config()))            # as the wizard and `srgan finetune` measure before a run
    control = Control()

    def stop_when_due(event) -> None:
        if isinstance(event, StepDone):
            print(f"\r{title}: step {event.step}/{steps}", end="", file=sys.stderr)
            if stop_at is not None and event.step >= stop_at:
                control.cancel()

    try:
        drain(run_finetune(run, control), stop_when_due)
    except Cancelled:
        pass
    print(file=sys.stderr)
    return read_run(run.id)


def show(work: Path, screen: str) -> int:
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from srgan_desktop.app import configure_application_names, follow_system_palette

    configure_application_names()
    app = QApplication(sys.argv)
    follow_system_palette(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    keep = open_screen(work, screen)
    with loop:
        loop.run_forever()
    return 0 if keep else 1


def open_screen(work: Path, screen: str) -> object:
    from PySide6.QtCore import QTimer

    from core.finetune.runs import list_runs
    from srgan_desktop.finetune.wizard import FineTuneWizard
    from srgan_desktop.main_window.window import MainWindow
    from srgan_desktop.settings import AppSettings

    runs = {r.title: r for r in list_runs().runs}
    if screen == "runs":
        window = MainWindow()
        window.show()
        window.open_finetune_runs()
        dialog = window._runs_dialog
        poll(lambda: dialog is not None and dialog.loads > 0, lambda: dialog.select(runs["Comics (faithful) 2"].id))
        return window
    if screen == "budget":
        settings = AppSettings()
        settings.finetune_folder, settings.finetune_advanced = work / "Comics", (True, {})
        wizard = FineTuneWizard()
        wizard.show()
        poll(lambda: wizard.photos_page.isComplete(), wizard.next)
        return wizard
    wanted = "Comics (faithful) 2" if screen == "training" else "Comics (faithful) 5"
    wizard = FineTuneWizard(resume=runs[wanted])
    wizard.show()
    if screen == "no-improvement":
        poll(lambda: wizard.training_page.isComplete(), wizard.next)
    QTimer.singleShot(0, wizard.raise_)
    return wizard


def poll(ready, then) -> None:
    """Call `then` once `ready()` is true (checked every 200 ms)."""
    from PySide6.QtCore import QTimer

    timer = QTimer(interval=200)

    def check() -> None:
        if ready():
            timer.stop()
            then()

    timer.timeout.connect(check)
    timer.start()
    poll.timers = [*getattr(poll, "timers", []), timer]   # kept alive until the app ends


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("prepare", "show"))
    parser.add_argument("work", type=Path, help="folder for the data, the settings and the photos")
    parser.add_argument("screen", nargs="?", choices=SCREENS, help="what `show` opens")
    parser.add_argument("--photos", type=Path, help="photos to copy into WORK/Comics instead of line art (prepare)")
    args = parser.parse_args()
    work = args.work.resolve()
    use_work_folder(work)
    if args.command == "prepare":
        shutil.rmtree(work, ignore_errors=True)
        prepare(work, args.photos)
        return 0
    if args.screen is None:
        parser.error("show needs a screen: " + ", ".join(SCREENS))
    return show(work, args.screen)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
