"""Settings read back from a file refuse keys they do not know, naming them."""

from __future__ import annotations

import pytest

from core.nets.config import DiscriminatorConfig, GeneratorConfig
from core.training.config import TrainConfig


@pytest.mark.parametrize("cls,what", [(GeneratorConfig, "generator"), (DiscriminatorConfig, "discriminator"),
                                      (TrainConfig, "training")])
def test_settings_from_a_newer_app_are_refused_by_name(cls, what) -> None:
    with pytest.raises(ValueError, match=rf"unknown {what} settings: \['depth'\]"):
        cls.from_dict({"depth": 3})
