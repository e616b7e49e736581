"""The CLI speaks to people: help with defaults and no markup, a readable `srgan info`, clear refusals."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.cli.main import build_parser, main
from core.cli.progress import ProgressBar
from tests.helpers.images import write_image
from tests.helpers.tiny import tiny_model_file

SUBCOMMANDS = ("upscale", "eval", "export", "models", "info", "train")


def _help(command: str) -> None:
    """Print `srgan COMMAND --help` (argparse exits after printing)."""
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_has_no_markup(command: str, capsys) -> None:
    _help(command)
    assert "`" not in capsys.readouterr().out


def test_train_help_explains_every_option_with_its_default(capsys) -> None:
    _help("train")
    options: dict[str, str] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  -"):                             # an option's first help line
            name = line.split()[0]
            options[name] = line
        elif options and line.startswith("    "):                # its continuation lines
            options[name] += " " + line.strip()
    for option, default in (("--steps", "100000"), ("--batch-size", "16"), ("--lr", "0.0001"),
                            ("--val-every", "500"), ("--seed", "0"), ("--phase", "mse")):
        assert f"(default {default})" in options[option], options[option]


def test_info_prints_a_summary_and_json_on_request(tmp_path: Path, capsys) -> None:
    model = tiny_model_file(tmp_path, "tiny", title="Tiny", description="for tests",
                            provenance={"phase": "gan", "steps": 1200, "seconds": 7200, "device": "cuda:0",
                                        "data": "/home/me/photos/cats", "base_model": "runs/x/last.ckpt"},
                            metrics={"Set14": {"psnr": 26.5, "ssim": 0.75, "niqe": 4.2}})
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "good for:  for tests" in out
    assert "1,200 steps in 2.0 h on an NVIDIA GPU" in out and "folder named 'cats'" in out
    assert "Set14 26.50 dB PSNR, SSIM 0.750, NIQE 4.20" in out
    assert "runs/x/last.ckpt" not in out and "{" not in out          # no development paths, no raw JSON
    assert main(["info", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"]["base_model"] == "runs/x/last.ckpt"


def test_info_says_how_a_real_world_models_input_was_degraded(tmp_path: Path, capsys) -> None:
    from core.training.degradations import DegradationConfig
    settings = DegradationConfig(jpeg_quality=(40, 95), blur_prob=0.3, plain_prob=0.8).to_dict()
    model = tiny_model_file(tmp_path, "real", provenance={"phase": "mse", "steps": 10, "degradation": settings})
    assert main(["info", str(model)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "input: trained on degraded low-res crops: JPEG quality 40-95; blur 30%" in out
    assert "80% plain downscale and one JPEG save" in out


def test_output_naming_the_input_is_refused_with_exit_2(tmp_path: Path, capsys) -> None:
    photo = write_image(tmp_path / "photo.png")
    before = photo.read_bytes()
    assert main(["upscale", str(photo), "-o", str(photo), "--model", str(tiny_model_file(tmp_path))]) == 2
    assert "is the input file itself" in capsys.readouterr().err
    assert photo.read_bytes() == before


def test_a_log_gets_one_final_line_with_the_average_rate() -> None:
    log = io.StringIO()
    bar = ProgressBar(total=100, label="upscale", unit="px", stream=log)
    bar.update(50)
    bar.update(100, rate=70.9e6)          # a momentary burst at the very end
    bar.close()
    lines = log.getvalue().splitlines()
    assert sum("100%" in line for line in lines) == 1
    assert "70.9M" not in lines[-1]


def test_a_resumed_run_reports_the_rate_of_its_own_work_only() -> None:
    log = io.StringIO()
    bar = ProgressBar(total=1000, label="train", unit="step", stream=log, initial=400)
    bar.update(400, force=True)                # at resume: nothing done yet in this process
    assert "step/s" not in log.getvalue() and "ETA --" in log.getvalue()
