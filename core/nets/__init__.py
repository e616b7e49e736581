"""The networks as `nn.Module`s and their typed configs: SRResNet, the discriminator, BN folding,
deepening a trained generator. No losses, optimisers or file formats here."""
