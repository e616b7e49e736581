import pytest
import torch

from core.nets.config import DiscriminatorConfig, GeneratorConfig
from core.nets.discriminator import Discriminator
from core.nets.srresnet import SRResNet


def test_paper_generator_parameter_count_and_shape():
    model = SRResNet(GeneratorConfig())
    # 16 blocks of width 64, per-channel PReLU, two x2 pixel-shuffle stages, 9x9 head and tail.
    assert sum(p.numel() for p in model.parameters()) == 1_550_659
    assert len(model.body) == 16
    out = model(torch.rand(1, 3, 24, 20))
    assert out.shape == (1, 3, 96, 80)


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_generator_scales(scale):
    model = SRResNet(GeneratorConfig(scale=scale, num_blocks=1, width=8))
    assert model(torch.rand(2, 3, 5, 7)).shape == (2, 3, 5 * scale, 7 * scale)


def test_generator_config_rejects_bad_values():
    with pytest.raises(ValueError, match="scale"):
        GeneratorConfig(scale=3)
    with pytest.raises(ValueError, match="num_blocks"):
        GeneratorConfig(num_blocks=0)


def test_paper_discriminator_layers_and_output():
    model = Discriminator(DiscriminatorConfig())
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    dense = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [d.out_features for d in dense] == [1024, 1]
    assert dense[0].in_features == 512 * 6 * 6
    assert model(torch.rand(2, 3, 96, 96)).shape == (2, 1)


def test_discriminator_follows_crop_size():
    model = Discriminator(DiscriminatorConfig(crop_size=32, base_width=8, dense_width=16))
    assert model(torch.rand(3, 3, 32, 32)).shape == (3, 1)
