"""Running a generator on real images: the `Upscaler` (tiled, cancellable, best device and
precision), its fast CPU kernels, and the one upscale path every front end uses."""
