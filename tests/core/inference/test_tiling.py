"""Tile plans cover every pixel once, with real context around each tile."""

from __future__ import annotations

import numpy as np
import pytest

from core.inference.tiling import even_spans, plan_tiles


@pytest.mark.parametrize("height,width,tile,overlap", [(40, 52, 32, 16), (300, 257, 256, 16),
                                                       (7, 5, 32, 16), (64, 64, 32, 0)])
def test_tiles_cover_each_pixel_exactly_once(height, width, tile, overlap):
    owned = np.zeros((height, width), int)
    for t in plan_tiles(height, width, tile, overlap):
        owned[t.y0:t.y1, t.x0:t.x1] += 1
        assert 0 < t.y1 - t.y0 <= tile and 0 < t.x1 - t.x0 <= tile
        # The window is the owned part plus `overlap` context, cut only at the image border.
        assert t.wy0 == max(0, t.y0 - overlap) and t.wy1 == min(height, t.y1 + overlap)
        assert t.wx0 == max(0, t.x0 - overlap) and t.wx1 == min(width, t.x1 + overlap)
    assert (owned == 1).all()


def test_edges_split_evenly_instead_of_leaving_a_sliver():
    assert even_spans(300, 256) == [(0, 150), (150, 300)]
    assert even_spans(256, 256) == [(0, 256)]
    sizes = [b - a for a, b in even_spans(1000, 256)]
    assert len(sizes) == 4 and max(sizes) - min(sizes) <= 1


def test_reading_order_and_count():
    tiles = plan_tiles(100, 200, 64, 8)
    assert len(tiles) == 2 * 4
    assert [(t.y0, t.x0) for t in tiles] == sorted((t.y0, t.x0) for t in tiles)


@pytest.mark.parametrize("tile,overlap", [(0, 8), (32, -1)])
def test_bad_settings_are_refused(tile, overlap):
    with pytest.raises(ValueError):
        plan_tiles(10, 10, tile, overlap)
