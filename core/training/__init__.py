"""The two-phase SRGAN trainer (MSE SRResNet, then VGG + adversarial): config, data, steps,
losses, checkpoints, EMA, divergence guards, DDP and export to a model file, as an event stream."""
