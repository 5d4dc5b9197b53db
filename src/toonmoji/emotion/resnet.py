"""A small residual CNN for 48x48 grey faces: fast enough for live video on one CPU thread.

A 3x3 stem (stride 2 by default, or 1 for the accurate ResNet-18 at 48 px, which keeps full
resolution in its first stage and needs no max-pool), then one stage per `block_filters` entry of plain residual blocks (two 3x3
conv + batch norm + ReLU, He et al. 2016), each stage after the first halving H and W, global
average pooling, dropout, a linear classifier. The default recipe (configs/emotion_resnet.toml)
uses widths 24-48-96-192 with one block per stage: about 0.7 M weights, about as fast as
mini-Xception per face in ONNX Runtime.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.emotion.config import ModelConfig


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the input (a strided 1x1 conv + BN when the shape changes)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class EmotionResNet(nn.Module):
    """Input `(N, 1, S, S) float in [-1, 1]`; output `(N, num_classes)` logits (before temperature)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = c = config
        self.stem = nn.Sequential(nn.Conv2d(c.in_channels, c.stem_filters, 3, c.stem_stride, 1, bias=False),
                                  nn.BatchNorm2d(c.stem_filters), nn.ReLU(inplace=True))
        blocks, width = [], c.stem_filters
        for stage, (out, depth) in enumerate(zip(c.block_filters, c.depths)):
            for i in range(depth):
                blocks.append(BasicBlock(width, out, 2 if stage > 0 and i == 0 else 1))
                width = out
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(width, c.num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        for block in blocks:  # zero-init the last BN of each block: every block starts as identity
            nn.init.zeros_(block.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x)).mean(dim=(2, 3))
        return self.classifier(self.dropout(x))
