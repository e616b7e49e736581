"""Split an image into overlapping tiles and stitch the upscaled tiles without seams.

Each tile is run with `overlap` extra input pixels of real context on every side; only its
centre is kept. With context wider than the network's effective reach, tiled output matches
the whole-image output (the tests check within 1/255).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    # The part of the output this tile owns, in input pixels: [y0, y1) x [x0, x1).
    y0: int
    y1: int
    x0: int
    x1: int
    # The input window actually run (the owned part plus context), in input pixels.
    wy0: int
    wy1: int
    wx0: int
    wx1: int


def plan_tiles(height: int, width: int, tile: int, overlap: int) -> list[Tile]:
    """Tiles of at most `tile` x `tile` owned pixels covering the image in reading order."""
    if tile < 1:
        raise ValueError(f"tile must be positive, got {tile}")
    tiles = []
    for y0 in range(0, height, tile):
        for x0 in range(0, width, tile):
            y1, x1 = min(y0 + tile, height), min(x0 + tile, width)
            tiles.append(Tile(
                y0, y1, x0, x1,
                max(0, y0 - overlap), min(height, y1 + overlap),
                max(0, x0 - overlap), min(width, x1 + overlap),
            ))
    return tiles
