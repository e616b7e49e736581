"""srgan train's real-world degradation flags become the trainer's DegradationConfig, or a one-line refusal."""

from __future__ import annotations

import pytest

from core.cli.main import UserError, build_parser
from core.cli.train import _degradation


def _args(*flags: str):
    return build_parser().parse_args(["train", "photos", *flags])


def test_odds_and_strengths_reach_the_degradation_settings():
    config = _degradation(_args("--degrade", "real-world", "--degrade-odds", "0.3", "0.2", "0.1",
                                "--degrade-jpeg", "40", "95", "--degrade-blur", "0.6", "--degrade-plain", "0.5"))
    assert (config.blur_prob, config.noise_prob, config.second_order) == (0.3, 0.2, 0.1)
    assert config.jpeg_quality == (40, 95) and config.blur_sigma == (0.2, 0.6) and config.plain_prob == 0.5
    assert _degradation(_args("--degrade", "real-world")).plain_prob == 0.0


def test_odds_outside_zero_to_one_and_odds_without_real_world_are_refused_in_words():
    with pytest.raises(UserError, match="probability"):
        _degradation(_args("--degrade", "real-world", "--degrade-odds", "1.5", "0", "0"))
    with pytest.raises(UserError, match="need --degrade real-world"):
        _degradation(_args("--degrade-odds", "0.5", "0.5", "0.5"))
    with pytest.raises(UserError, match="need --degrade real-world"):
        _degradation(_args("--degrade-plain", "0.5"))
    assert _degradation(_args()) is None
