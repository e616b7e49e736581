"""The detail slider's blend: exact parents at its ends, a real mixture between, refusals in words."""

from __future__ import annotations

import pytest
import torch

from core.models.blend import ModelBlend, save_blend
from core.models.model_file import ModelFileError, load_model, read_model_info, save_model
from core.nets.config import GeneratorConfig
from tests.helpers.tiny import tiny_generator, tiny_model_file


@pytest.fixture
def parents(tmp_path):
    return tiny_model_file(tmp_path, "faithful", seed=0), tiny_model_file(tmp_path, "gan", seed=1)


def _outputs(model, image):
    with torch.no_grad():
        return model(image)


def test_ends_of_the_slider_are_exactly_the_two_models(parents):
    faithful, gan = parents
    blend = ModelBlend.load(faithful, gan)
    image = torch.rand(1, 3, 9, 7)
    assert torch.equal(_outputs(blend.at(0.0), image), _outputs(load_model(faithful)[0], image))
    assert torch.equal(_outputs(blend.at(1.0), image), _outputs(load_model(gan)[0], image))


def test_between_the_ends_every_weight_is_interpolated(parents):
    blend = ModelBlend.load(*parents)
    a, b, mid = blend.faithful.state_dict(), blend.realistic.state_dict(), blend.at(0.25).state_dict()
    key = "head.0.weight"
    torch.testing.assert_close(mid[key], 0.75 * a[key] + 0.25 * b[key])
    assert not torch.equal(mid[key], a[key])
    with pytest.raises(ValueError, match="between 0 and 1"):
        blend.at(1.5)


def test_models_of_different_architectures_are_refused_in_words(tmp_path, parents):
    wider = save_model(tiny_generator(config=GeneratorConfig(scale=4, num_blocks=1, width=16)),
                       tmp_path / "wide.safetensors", name="wide")
    with pytest.raises(ModelFileError, match="cannot be blended: x4, 1 blocks x 8 channels vs x4, 1 blocks x 16"):
        ModelBlend.load(parents[0], wider)


def test_a_saved_blend_records_both_parents_and_the_weight(tmp_path, parents):
    out = save_blend(*parents, 0.4, tmp_path / "blend.safetensors")
    info = read_model_info(out)
    record = info.provenance["blend"]
    assert record["weight"] == 0.4
    assert record["faithful"]["name"] == "faithful" and record["photo_realistic"]["name"] == "gan"
    assert len(record["faithful"]["sha256"]) == 64
    image = torch.rand(1, 3, 6, 6)
    torch.testing.assert_close(_outputs(load_model(out)[0], image),
                               _outputs(ModelBlend.load(*parents).at(0.4), image))
