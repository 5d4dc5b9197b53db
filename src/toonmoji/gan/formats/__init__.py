"""Readers for the third-party StyleGAN2 checkpoint formats.

Each reader turns a file's contents into `SourceNetworks`: state dicts under toonmoji's parameter
names (which mirror StyleGAN2-ADA-PyTorch's), plus the architecture facts the tensors cannot show
(learning-rate multiplier, clamping, minibatch-stddev group). `toonmoji.gan.checkpoints` builds the
networks from them.
"""
