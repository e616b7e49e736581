import json

import pytest
import torch

from core.models import library
from core.models.library import list_models, resolve_model
from core.models.model_file import ModelFileError, file_sha256, load_model, read_model_info, save_model
from core.nets.config import MAX_BLOCKS, MAX_WIDTH, GeneratorConfig
from core.nets.srresnet import SRResNet
from tests.helpers import model_files
from tests.helpers.tiny import TINY, tiny_generator, tiny_model_file


def test_round_trip_keeps_weights_and_description(tmp_path):
    model = tiny_generator(seed=3)
    path = save_model(model, tmp_path / "m.safetensors", name="m", title="My model",
                      provenance={"steps": 10}, metrics={"Set5": {"psnr": 30.5}})
    loaded, info = load_model(path)
    assert info.arch_config == TINY and info.scale == 4 and info.value_range == (0.0, 1.0)
    assert info.provenance == {"steps": 10} and info.metrics["Set5"]["psnr"] == 30.5
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_half_storage_is_close(tmp_path):
    model = tiny_generator()
    path = save_model(model, tmp_path / "h.safetensors", name="h", half=True)
    loaded, _ = load_model(path)
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.allclose(model(x), loaded(x), atol=1e-2)


def test_truncated_file_is_refused_clearly(tmp_path):
    path = tiny_model_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(ModelFileError, match="truncated"):
        load_model(path)


@pytest.mark.parametrize("content", [b"", b"garbage!", b"\x08\x00\x00\x00\x00\x00\x00\x00{notjson"])
def test_garbage_file_is_refused_clearly(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as err:
        load_model(path)
    assert "\n" not in str(err.value)


def test_corrupted_weights_bytes_are_detected(tmp_path):
    path = tiny_model_file(tmp_path)
    data = bytearray(path.read_bytes())
    data[-64:] = b"\xff" * 64  # 0xffff... is NaN in fp32
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="NaN"):
        load_model(path)


def test_mismatched_architecture_is_refused(tmp_path):
    path = tiny_model_file(tmp_path)
    data = path.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    desc = json.loads(header["__metadata__"]["srgan_desktop"])
    desc["arch_config"]["width"] = 16
    header["__metadata__"]["srgan_desktop"] = json.dumps(desc)
    new_header = json.dumps(header).encode()
    path.write_bytes(len(new_header).to_bytes(8, "little") + new_header + data[8 + header_len:])
    with pytest.raises(ModelFileError, match="shape"):
        load_model(path)


def test_pickle_file_is_never_unpickled(tmp_path):
    """A torch pickle renamed to .safetensors must be refused without running its code."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    torch.save({"x": Evil()}, path)
    with pytest.raises(ModelFileError):
        load_model(path)
    assert not marker.exists()


def test_library_lists_user_models_and_skips_broken(isolated_user_data):
    folder = isolated_user_data / "models"
    folder.mkdir()
    tiny_model_file(folder, name="mine", title="Mine")
    (folder / "broken.safetensors").write_bytes(b"nope")
    entries, problems = list_models()
    assert [e.info.name for e in entries if not e.bundled] == ["mine"]
    assert [p.name for p, _ in problems] == ["broken.safetensors"]
    assert resolve_model("mine") == folder / "mine.safetensors"
    with pytest.raises(ModelFileError, match="no model named"):
        resolve_model("nothing-like-it")


def test_sha256_is_stable(tmp_path):
    path = tiny_model_file(tmp_path)
    assert file_sha256(path) == file_sha256(path)
    assert len(file_sha256(path)) == 64
    assert read_model_info(path).name == "tiny"


@pytest.mark.parametrize("declared", [{"num_blocks": 10_000_000}, {"width": 6000}, {"num_blocks": 2}])
def test_a_declared_architecture_is_checked_before_anything_is_built(tmp_path, monkeypatch, declared):
    """Real weights inside, a huge (or just different) network declared: refused from the header alone."""
    path = tiny_model_file(tmp_path)
    header, _ = model_files.split(path.read_bytes())
    desc = model_files.description(header)
    desc["arch_config"].update(declared)
    model_files.rewrite(path, model_files.with_description(header, desc))

    def shapes_only(config):                     # the meta device records shapes and allocates nothing
        if torch.get_default_device().type != "meta":
            raise AssertionError("the network was built before its declared architecture was checked")
        return SRResNet(config)

    monkeypatch.setattr("core.models.model_file.SRResNet", shapes_only)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert "\n" not in str(info.value) and "tiny.safetensors" in str(info.value)
    with pytest.raises(ModelFileError):
        read_model_info(path)                   # listing the library refuses it as well


def test_the_architecture_limits_admit_every_sensible_network():
    assert GeneratorConfig(num_blocks=MAX_BLOCKS, width=MAX_WIDTH).num_blocks == MAX_BLOCKS
    with pytest.raises(ValueError, match="num_blocks"):
        GeneratorConfig(num_blocks=MAX_BLOCKS + 1)
    with pytest.raises(ValueError, match="width"):
        GeneratorConfig(width=MAX_WIDTH + 1)


def test_an_unforeseen_error_in_one_model_file_marks_only_that_file(isolated_user_data, monkeypatch):
    folder = isolated_user_data / "models"
    folder.mkdir()
    tiny_model_file(folder, name="good")
    tiny_model_file(folder, name="odd")
    real = library.read_model_info

    def upset_by_odd(path):
        if path.stem == "odd":
            raise KeyError("something no check foresaw")
        return real(path)

    monkeypatch.setattr(library, "read_model_info", upset_by_odd)
    entries, problems = list_models()
    assert "good" in [e.info.name for e in entries]
    assert [(p.name, "\n" in reason) for p, reason in problems] == [("odd.safetensors", False)]
