"""StyleGAN2 in plain PyTorch, and loaders for the checkpoint formats people actually have."""
