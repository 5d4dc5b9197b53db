"""FIR up/down-sampling for StyleGAN2, in plain PyTorch (no compiled extensions).

StyleGAN2 never resamples with nearest/bilinear: every change of resolution goes through a small
low-pass FIR filter, by default the binomial taps [1, 3, 3, 1]. The general operation is
"upsample by zero insertion, pad, filter, downsample by striding" (upfirdn). Here it is written with
`F.pad` and depthwise `conv2d`, and the upsampling convolution with `conv_transpose2d`, so the
networks run anywhere PyTorch does (CPU, CUDA, MPS) and stay differentiable to any order (R1 and
path-length regularization need double backward).

Filters are separable: `f` is a 1-D tensor of taps normalised to sum 1; the 2-D filter is
`outer(f, f)`. Filtering is a true convolution (the taps are flipped), which only matters for
asymmetric filters; `flip=False` correlates instead (the augmentation's asymmetric sym6 wavelet
filter is applied both ways, so that upsampling and downsampling undo each other). Each filter is
one depthwise convolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

DEFAULT_FILTER: tuple[int, ...] = (1, 3, 3, 1)


def make_filter(taps: Sequence[float] = DEFAULT_FILTER, device: torch.device | str = "cpu") -> torch.Tensor:
    """1-D FIR taps normalised to sum 1: `(K,) float32`."""
    f = torch.as_tensor(list(taps), dtype=torch.float32, device=device)
    if f.ndim != 1 or f.numel() < 1:
        raise ValueError("resample filter must be a non-empty 1-D list of taps")
    return f / f.sum()


def filter_2d(f: torch.Tensor) -> torch.Tensor:
    """The 2-D filter `outer(f, f)` that a separable 1-D filter stands for: `(K, K)`."""
    return torch.outer(f, f)


def fir_filter(
    x: torch.Tensor, f: torch.Tensor, pad: tuple[int, int, int, int], gain: float = 1.0, flip: bool = True
) -> torch.Tensor:
    """Pad (negative = crop) then convolve each channel with the 2-D filter `outer(f, f) * gain`
    (correlate with it when `flip=False`).

    x: `(N, C, H, W)`; pad: (left, right, top, bottom). Output `(N, C, H + t + b - K + 1, ...)`.
    Symmetric padding is left to conv2d itself, which saves a padded copy of large activations.
    """
    left, right, top, bottom = pad
    if not (left == right >= 0 and top == bottom >= 0):
        x = F.pad(x, [max(left, 0), max(right, 0), max(top, 0), max(bottom, 0)])
        x = x[
            :,
            :,
            max(-top, 0) : x.shape[2] - max(-bottom, 0),
            max(-left, 0) : x.shape[3] - max(-right, 0),
        ]
        left = top = 0
    channels = x.shape[1]
    k = f.numel()
    weight = (filter_2d(f.flip(0) if flip else f) * gain).to(x.dtype).view(1, 1, k, k).expand(channels, 1, k, k)
    return F.conv2d(x, weight, padding=(top, left), groups=channels)


def zero_insert(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Upsample by inserting `factor - 1` zeros after every pixel: `(N, C, H*f, W*f)`."""
    n, c, h, w = x.shape
    x = x.reshape(n, c, h, 1, w, 1)
    x = F.pad(x, [0, factor - 1, 0, 0, 0, factor - 1])
    return x.reshape(n, c, h * factor, w * factor)


def upsample2d(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Double the resolution with the FIR filter: `(N, C, H, W)` -> `(N, C, 2H, 2W)`.

    Gain 4 keeps the mean intensity (three of every four inserted samples are zero).
    """
    k = f.numel()
    pad0, pad1 = (k + 1) // 2, (k - 2) // 2
    return fir_filter(zero_insert(x, 2), f, (pad0, pad1, pad0, pad1), gain=4.0)


def downsample2d(x: torch.Tensor, f: torch.Tensor, pad: int = 0, flip: bool = True) -> torch.Tensor:
    """Halve the resolution with the FIR filter: `(N, C, H, W)` -> `(N, C, (H + 2 pad)/2, ...)`.

    `pad` extra samples on every side (negative: crop) before filtering.
    """
    k = f.numel()
    pad0, pad1 = (k - 1) // 2 + pad, (k - 2) // 2 + pad
    return fir_filter(x, f, (pad0, pad1, pad0, pad1), flip=flip)[:, :, ::2, ::2]


def conv2d_same(x: torch.Tensor, w: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """Stride-1 correlation with 'same' padding for an odd square kernel `w (O, I/g, k, k)`."""
    return F.conv2d(x, w, padding=w.shape[-1] // 2, groups=groups)


def upsample_conv2d(x: torch.Tensor, w: torch.Tensor, f: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """Upsample x2 and convolve in one transposed convolution, then low-pass filter.

    x: `(N, I, H, W)`; w: `(O, I/groups, k, k)` (the layout of an ordinary conv weight; with
    `groups` it is `groups` stacked weights). Output `(N, O, 2H, 2W)`. Equivalent to zero-insertion
    upsampling, the FIR filter, and a 'same' convolution with `w`, but 4x cheaper.
    """
    out_ch, in_per_group, kh, kw = w.shape
    if groups == 1:
        wt = w.transpose(0, 1)
    else:
        wt = w.reshape(groups, out_ch // groups, in_per_group, kh, kw).transpose(1, 2)
        wt = wt.reshape(groups * in_per_group, out_ch // groups, kh, kw)
    x = F.conv_transpose2d(x, wt, stride=2, groups=groups)
    k = f.numel()
    pad = kw // 2
    pad0 = pad + (k + 1) // 2 - (kw - 1)
    pad1 = pad + (k - 2) // 2 - (kw - 2)
    return fir_filter(x, f, (pad0, pad1, pad0, pad1), gain=4.0)


def conv2d_downsample(x: torch.Tensor, w: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Low-pass filter, then a stride-2 convolution: `(N, I, H, W)` -> `(N, O, H/2, W/2)`.

    w: `(O, I, k, k)`. For k == 1 the filtered image is subsampled first (cheaper, same result).
    """
    k = f.numel()
    kw = w.shape[-1]
    if kw == 1:
        return F.conv2d(downsample2d(x, f), w)
    pad = kw // 2
    pad0 = pad + (k - 1) // 2
    pad1 = pad + (k - 2) // 2
    x = fir_filter(x, f, (pad0, pad1, pad0, pad1))
    return F.conv2d(x, w, stride=2)
