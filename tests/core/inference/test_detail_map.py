"""The invented-detail map: zero where the result agrees with its input, strong where it does not."""

from __future__ import annotations

import numpy as np
import pytest

from core.imageio.bicubic import bicubic_downscale
from core.inference.detail_map import consistency_map, heat_overlay, invention_map


def _result_and_source(seed: int = 0):
    result = np.random.default_rng(seed).random((32, 40, 3)).astype(np.float32) * 0.6 + 0.2
    return result, bicubic_downscale(result, 4)


def test_map_is_zero_where_result_and_input_agree():
    result, source = _result_and_source()
    difference = consistency_map(source, result, 4)
    assert difference.shape == (32, 40)
    assert difference.max() < 1e-5


def test_map_marks_the_region_a_model_invented():
    result, source = _result_and_source()
    changed = result.copy()
    changed[8:16, 20:28] = np.clip(changed[8:16, 20:28] + 0.3, 0, 1)      # a patch the input never had
    difference = consistency_map(source, changed, 4)
    assert difference[8:16, 20:28].mean() > 0.1
    assert difference[24:, :12].max() < 1e-5                              # far from the patch: untouched


def test_invention_is_the_difference_from_the_faithful_result():
    faithful, _ = _result_and_source()
    gan = faithful.copy()
    gan[:4] += 0.05
    difference = invention_map(gan, faithful)
    assert difference[4:].max() == 0.0
    assert difference[:4].mean() == pytest.approx(0.05 * (219 / 255), rel=1e-3)   # luma of a grey step


def test_heat_overlay_is_clear_at_zero_and_opaque_red_at_full_scale():
    layer = heat_overlay(np.array([[0.0, 0.05, 0.5]], dtype=np.float32))
    assert layer[0, 0, 3] == 0
    assert 0 < layer[0, 1, 3] < layer[0, 2, 3]
    assert tuple(layer[0, 2, :3]) == (255, 0, 0)


def test_result_of_the_wrong_size_is_refused():
    result, source = _result_and_source()
    with pytest.raises(ValueError, match="not 4x the source"):
        consistency_map(source, result[:-4], 4)
