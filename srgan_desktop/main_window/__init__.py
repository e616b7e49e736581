"""The main window: drop images, watch them upscale in a queue, compare, save."""
