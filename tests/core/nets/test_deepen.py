"""Starting a deeper SRResNet from a trained shallower one: same outputs at first, then it trains."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from core.nets.deepen import can_deepen, deepen_weights
from core.nets.srresnet import SRResNet
from core.training.checkpoint import load_checkpoint
from core.training.events import TrainingError, ValidationDone
from core.training.trainer import train
from tests.helpers.tiny import TINY, tiny_generator, tiny_model_file
from tests.helpers.training import collect, of_type, tiny_config

DEEPER = replace(TINY, num_blocks=3)


def test_added_blocks_start_as_the_identity_in_training_and_eval_mode():
    shallow = tiny_generator(seed=3)
    deep = SRResNet(DEEPER)
    deep.load_state_dict(deepen_weights(shallow.state_dict(), TINY, DEEPER))
    x = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        assert torch.equal(deep.eval()(x), shallow.eval()(x))
        # Batch statistics differ from running ones, yet a zero BN scale still adds nothing.
        shallow.train(), deep.train()
        assert torch.allclose(deep(x), shallow(x), atol=1e-6)
    # The new blocks are not all-zero: their convolutions can learn once the BN scale moves.
    assert deep.body[2].conv1.weight.abs().sum() > 0


def test_only_adding_blocks_is_allowed():
    assert can_deepen(TINY, DEEPER) and not can_deepen(DEEPER, TINY) and not can_deepen(TINY, TINY)
    assert not can_deepen(TINY, replace(DEEPER, width=16)) and not can_deepen(TINY, replace(DEEPER, scale=2))
    with pytest.raises(ValueError, match="cannot deepen"):
        deepen_weights(tiny_generator().state_dict(), TINY, replace(DEEPER, width=16))


def test_training_a_deeper_network_from_a_shallower_model_starts_at_its_score(tmp_path):
    model = tiny_model_file(tmp_path)
    events = []
    collect(train(tiny_config(tmp_path, init_from=model, generator=DEEPER, steps=10)), events)
    first, last = of_type(events, ValidationDone)[0], of_type(events, ValidationDone)[-1]
    assert first.psnr == pytest.approx(first.base_psnr, abs=1e-4)
    assert last.step == 10
    grown = load_checkpoint(tmp_path / "run" / "last.ckpt")["generator"]["body.2.bn2.weight"]
    assert grown.abs().sum() > 0                      # the added block has begun to learn
    with pytest.raises(TrainingError, match="only more residual blocks"):
        collect(train(tiny_config(tmp_path, init_from=model, generator=replace(TINY, width=16),
                                  out_dir=tmp_path / "wider")), [])
