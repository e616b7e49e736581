"""`srgan models`, `srgan info` and `--model`: a broken model file is one line, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.cli.main import main
from tests.helpers import model_files
from tests.helpers.images import write_image
from tests.helpers.tiny import tiny_model_file


def srgan(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def malformed(path: Path, kind: str) -> Path:
    header, _ = model_files.split(path.read_bytes())
    tensor = next(k for k in header if k != "__metadata__")
    if kind == "metadata-is-text":
        header["__metadata__"] = "a string"
    elif kind.startswith("offsets-"):
        header[tensor]["data_offsets"] = {"offsets-null": None, "offsets-empty": [], "offsets-text": "ab"}[kind]
    elif kind == "nested-header":
        return model_files.rewrite(path, b"[" * 100_000 + b"]" * 100_000)
    elif kind == "nested-description":
        header = model_files.with_description(header, "[" * 100_000 + "]" * 100_000)
    return model_files.rewrite(path, header)


KINDS = ["metadata-is-text", "offsets-null", "offsets-empty", "offsets-text", "nested-header", "nested-description"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_model_header_is_one_line_and_exit_2(tmp_path, capsys, kind):
    model = malformed(tiny_model_file(tmp_path), kind)
    code, text = srgan(capsys, "info", model)
    assert code == 2 and len(text.strip().splitlines()) == 1 and "tiny.safetensors" in text
    image = write_image(tmp_path / "a.png")
    code, text = srgan(capsys, "upscale", image, "--model", model, "-q")
    assert code == 2 and len(text.strip().splitlines()) == 1 and "tiny.safetensors" in text
    assert not (tmp_path / "a_x4.png").exists()


@pytest.mark.parametrize("declared", [{"num_blocks": 10_000_000}, {"width": 6000}])
def test_a_model_declaring_a_huge_network_is_refused_at_once(tmp_path, capsys, declared):
    model = tiny_model_file(tmp_path)
    header, _ = model_files.split(model.read_bytes())
    desc = model_files.description(header)
    desc["arch_config"].update(declared)
    model_files.rewrite(model, model_files.with_description(header, desc))
    image = write_image(tmp_path / "a.png")
    for args in (("info", model), ("upscale", image, "--model", model, "-q")):
        start = time.monotonic()
        code, text = srgan(capsys, *args)
        assert code == 2 and len(text.strip().splitlines()) == 1 and "must be between" in text
        assert time.monotonic() - start < 5


def broken_user_models(folder: Path) -> dict[str, str]:
    """One good model and one of each kind of bad file in the user model folder: name -> reason words."""
    folder.mkdir(parents=True, exist_ok=True)
    tiny_model_file(folder, name="good", title="Good model")
    malformed(tiny_model_file(folder, name="text-metadata"), "metadata-is-text")
    malformed(tiny_model_file(folder, name="null-offsets"), "offsets-null")
    malformed(tiny_model_file(folder, name="deep"), "nested-header")
    (folder / "garbage.safetensors").write_bytes(b"\x00" * 5)
    (folder / "a-folder.safetensors").mkdir()
    return {"text-metadata": "__metadata__", "null-offsets": "offsets", "deep": "nested",
            "garbage": "truncated", "a-folder": "cannot read"}


def test_one_bad_file_in_the_user_model_folder_is_listed_as_unusable_and_the_rest_works(
        tmp_path, capsys, isolated_user_data, monkeypatch):
    monkeypatch.setenv("SRGAN_DESKTOP_RESOURCES", str(tmp_path / "no-bundled-models"))
    bad = broken_user_models(isolated_user_data / "models")
    code, text = srgan(capsys, "models")
    assert code == 0 and text.startswith("good ")
    unusable = [line for line in text.splitlines() if line.startswith("unusable")]
    assert len(unusable) == len(bad)
    for name, words in bad.items():
        assert any(f"{name}.safetensors" in line and words in line for line in unusable), (name, unusable)
    code, text = srgan(capsys, "info")
    assert code == 0 and "Good model" in text
    image = write_image(tmp_path / "a.png")
    code, text = srgan(capsys, "upscale", image, "-q")                  # the default model: the good one
    assert code == 0 and (tmp_path / "a_x4.png").exists()
