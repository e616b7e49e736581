"""`srgan upscale --detail W` blends two models; `--save-map` writes the invented-detail map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from core.cli.main import main
from core.models.model_file import save_model
from core.nets.config import GeneratorConfig
from tests.helpers.images import write_image
from tests.helpers.tiny import tiny_generator, tiny_model_file


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA" if image.mode == "RGBA" else "RGB"), dtype=np.int16)


def _run(*args: str) -> int:
    return main(["upscale", *args, "--device", "cpu", "--precision", "fp32", "-q"])


def test_detail_ends_reproduce_each_model_and_the_middle_differs(tmp_path: Path) -> None:
    a, b = tiny_model_file(tmp_path, "a", seed=0), tiny_model_file(tmp_path, "b", seed=1)
    photo = write_image(tmp_path / "in" / "photo.png", size=(14, 11))
    outputs = {}
    for label, extra in {"a": ["--model", str(a)], "b": ["--model", str(b)],
                         "w0": ["--model", str(a), "--detail", "0", "--detail-with", str(b)],
                         "w1": ["--model", str(a), "--detail", "1", "--detail-with", str(b)],
                         "w5": ["--model", str(a), "--detail", "0.5", "--detail-with", str(b)]}.items():
        outputs[label] = tmp_path / f"{label}.png"
        assert _run(str(photo), "-o", str(outputs[label]), *extra) == 0
    assert np.array_equal(_pixels(outputs["w0"]), _pixels(outputs["a"]))
    assert np.array_equal(_pixels(outputs["w1"]), _pixels(outputs["b"]))
    assert not np.array_equal(_pixels(outputs["w5"]), _pixels(outputs["a"]))


def test_detail_with_an_incompatible_model_or_out_of_range_is_refused(tmp_path: Path, capsys) -> None:
    a = tiny_model_file(tmp_path, "a")
    wide = save_model(tiny_generator(config=GeneratorConfig(scale=4, num_blocks=1, width=16)),
                      tmp_path / "wide.safetensors", name="wide")
    photo = write_image(tmp_path / "photo.png")
    assert _run(str(photo), "-o", str(tmp_path / "o.png"), "--model", str(a), "--detail", "0.5",
                "--detail-with", str(wide)) == 2
    assert "cannot be blended" in capsys.readouterr().err
    assert _run(str(photo), "-o", str(tmp_path / "o.png"), "--model", str(a), "--detail", "2") == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_save_map_writes_a_heat_map_beside_the_result(tmp_path: Path) -> None:
    model = tiny_model_file(tmp_path, "a")
    photo = write_image(tmp_path / "photo.png", size=(10, 8))
    assert _run(str(photo), "-o", str(tmp_path / "big.png"), "--model", str(model), "--save-map") == 0
    with Image.open(tmp_path / "big_map.png") as heat:
        assert heat.mode == "RGBA" and heat.size == (40, 32)
        alpha = np.asarray(heat)[..., 3]
    assert alpha.max() > 0          # an untrained network departs from its input somewhere


def test_output_size_flags_scale_width_and_height(tmp_path: Path, capsys) -> None:
    model = tiny_model_file(tmp_path, "a")
    photo = write_image(tmp_path / "photo.png", size=(20, 10))
    for flags, size in ((["--scale", "2"], (40, 20)), (["--width", "50"], (50, 25)), (["--height", "30"], (60, 30)),
                        ([], (80, 40))):
        out = tmp_path / f"out{len(flags)}{flags[-1] if flags else ''}.png"
        assert _run(str(photo), "-o", str(out), "--model", str(model), *flags) == 0
        with Image.open(out) as result:
            assert result.size == size, flags
    assert _run(str(photo), "-o", str(tmp_path / "bad.png"), "--model", str(model), "--scale", "0") == 2
    assert "output scale" in capsys.readouterr().err
