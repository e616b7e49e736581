"""The comparison viewer: side-by-side and split panes, zoom and pan locked through one controller."""
