"""The building blocks of StyleGAN2: equalized-learning-rate layers and the modulated convolution.

"Equalized learning rate" (Karras et al. 2018): weights are stored with unit variance and scaled by
their He constant at run time, so every layer learns at the same speed with Adam. A learning-rate
multiplier (0.01 in the mapping network) divides the stored weights and multiplies the run-time
gain. Parameter names and layouts follow the public PyTorch release of StyleGAN2-ADA (weight
`(out, in[, k, k])`, bias `(out,)`), which is what makes checkpoint conversion a renaming.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.gan.resample import conv2d_downsample, conv2d_same, make_filter, upsample_conv2d

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)  # keeps the activation variance of a leaky ReLU at 1


def bias_act(
    x: torch.Tensor,
    bias: torch.Tensor | None,
    activation: str = "linear",
    gain: float = 1.0,
    clamp: float | None = None,
) -> torch.Tensor:
    """Add a per-channel bias (dim 1), apply the activation, scale by `gain`, clamp to +-clamp.

    `activation` is 'linear' or 'lrelu' (slope 0.2, with an extra sqrt(2) gain as in StyleGAN).
    `x` must be a fresh result (a conv or linear output): when no gradient is being recorded it is
    updated in place, which at 1024 px saves several 128 MB allocations per layer.
    """
    if activation not in ("linear", "lrelu"):
        raise ValueError(f"unsupported activation {activation!r}")
    if activation == "lrelu":
        gain = gain * LRELU_GAIN
    b = bias.to(x.dtype).reshape([1, -1] + [1] * (x.ndim - 2)) if bias is not None else None
    if can_modify(x):
        if b is not None:
            x.add_(b)
        if activation == "lrelu":
            F.leaky_relu_(x, LRELU_SLOPE)
        if gain != 1:
            x.mul_(gain)
        return x.clamp_(-clamp, clamp) if clamp is not None else x
    if b is not None:
        x = x + b
    if activation == "lrelu":
        x = F.leaky_relu(x, LRELU_SLOPE)
    if gain != 1:
        x = x * gain
    return x.clamp(-clamp, clamp) if clamp is not None else x


def can_modify(x: torch.Tensor) -> bool:
    """True when the fresh result `x` may be updated in place: autograd is off (no_grad or
    inference mode). With autograd on, even a tensor that needs no gradient itself may be saved
    for the backward pass of a later op with a trainable operand, so nothing is done in place."""
    return not torch.is_grad_enabled()


class FullyConnectedLayer(nn.Module):
    """Dense layer with equalized learning rate. x: `(N, in)` -> `(N, out)`."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str = "linear",
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
        bias: bool = True,
    ):
        super().__init__()
        self.activation = activation
        self.weight = nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias * self.bias_gain if self.bias is not None else None
        if self.activation == "linear":
            return F.linear(x, w, b.to(x.dtype) if b is not None else None)
        return bias_act(F.linear(x, w), b, self.activation)


class Conv2dLayer(nn.Module):
    """Equalized-lr convolution, optionally followed by FIR downsampling (the discriminator's).

    x: `(N, in, H, W)` -> `(N, out, H, W)` or `(N, out, H/2, W/2)` with `down=True`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        activation: str = "linear",
        down: bool = False,
        bias: bool = True,
        resample_filter: tuple[int, ...] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
    ):
        super().__init__()
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels])) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = (self.weight * self.weight_gain).to(x.dtype)
        if self.down:
            x = conv2d_downsample(x, w, self.resample_filter)
        else:
            x = conv2d_same(x, w)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, self.activation, gain=gain, clamp=clamp)


def modulated_conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    styles: torch.Tensor,
    demodulate: bool = True,
    up: bool = False,
    resample_filter: torch.Tensor | None = None,
    fused: bool = False,
) -> torch.Tensor:
    """StyleGAN2's convolution: per-sample input scaling by `styles`, then weight demodulation.

    x: `(N, I, H, W)`; weight: `(O, I, k, k)`; styles: `(N, I)`. Output `(N, O, H, W)`
    (`(N, O, 2H, 2W)` with `up`). Demodulation divides each output channel by the norm of its
    modulated weights, which replaces StyleGAN1's instance normalisation without its droplet
    artifacts. `fused=True` runs one grouped convolution with per-sample weights; `False` scales
    the activations before and after one shared convolution. Both compute the same function.
    """
    batch = x.shape[0]
    out_ch, in_ch, kh, kw = weight.shape
    if x.dtype == torch.float16 and demodulate:
        # float16 overflows on config-F's style and weight ranges; demodulation cancels any
        # per-output-channel scale of the weights and per-sample scale of the styles, so both are
        # brought to at most 1 first (as NVIDIA's mixed-precision training does)
        weight = weight * (1 / math.sqrt(in_ch * kh * kw) / weight.abs().amax(dim=[1, 2, 3], keepdim=True))
        styles = styles / styles.abs().amax(dim=1, keepdim=True)
    if fused:
        w = weight.unsqueeze(0) * styles.reshape(batch, 1, in_ch, 1, 1)  # (N, O, I, k, k)
        if demodulate:
            w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(batch, out_ch, 1, 1, 1)
        x = x.reshape(1, batch * in_ch, *x.shape[2:])
        w = w.reshape(batch * out_ch, in_ch, kh, kw).to(x.dtype)
        if up:
            x = upsample_conv2d(x, w, resample_filter, groups=batch)
        else:
            x = conv2d_same(x, w, groups=batch)
        return x.reshape(batch, out_ch, *x.shape[2:])
    x = x * styles.to(x.dtype).reshape(batch, in_ch, 1, 1)
    w = weight.to(x.dtype)
    x = upsample_conv2d(x, w, resample_filter) if up else conv2d_same(x, w)
    if demodulate:
        # sum over (i, k) of (w_oik * s_ni)^2 = sum_i s_ni^2 * sum_k w_oik^2: a small matmul
        # instead of materialising the (N, O, I, k, k) per-sample weights.
        dcoefs = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # (N, O)
        d = dcoefs.to(x.dtype).reshape(batch, out_ch, 1, 1)
        x = x.mul_(d) if can_modify(x) else x * d
    return x
