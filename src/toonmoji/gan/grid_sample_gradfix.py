"""Bilinear `grid_sample` that can be differentiated twice with respect to the image.

R1 on augmented reals takes the gradient of D's output with respect to the *un-augmented* image,
through the augmentation's resampling, and then trains D on that gradient: a second derivative
through `grid_sample`. Old PyTorch had none; PyTorch 2.x differentiates its backward with respect
to `grad_output` (tests/test_gan_augment.py checks that on the installed version), but it is not
documented as guaranteed on every backend. So, as NVIDIA's StyleGAN2-ADA does with its own
`grid_sample_gradfix`, the pair of linear maps is spelled out: sampling `S` and its adjoint `S^T`
(the input gradient). The derivative of `S^T` with respect to its input is `S` again, so any
order of derivative with respect to the image works on any backend. The grid is a constant here
(it comes from random augmentation parameters): no gradient flows to it.

Mode is fixed to what the augmentation needs: bilinear, zero padding, align_corners=False.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_BILINEAR, _ZEROS = 0, 0


def grid_sample(images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Sample `images (N, C, H, W)` at `grid (N, Ho, Wo, 2)` ([-1, 1] coordinates, x first):
    `(N, C, Ho, Wo)`, zero outside. Differentiable to any order in `images`, not in `grid`."""
    if grid.requires_grad:
        raise ValueError("grid_sample_gradfix: the sampling grid must not require a gradient")
    return _Sample.apply(images, grid)


def _sample(images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _sample_adjoint(grad: torch.Tensor, grid: torch.Tensor, image_shape: torch.Size) -> torch.Tensor:
    """`S^T grad`: scatter `grad (N, C, Ho, Wo)` back to image shape with the bilinear weights."""
    placeholder = grad.new_zeros(()).expand(image_shape)  # only its shape is read
    grad_images, _ = torch.ops.aten.grid_sampler_2d_backward(
        grad, placeholder, grid, _BILINEAR, _ZEROS, False, [True, False]
    )
    return grad_images


class _Sample(torch.autograd.Function):
    @staticmethod
    def forward(ctx, images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(grid)
        ctx.image_shape = images.shape
        return _sample(images, grid)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, None]:
        (grid,) = ctx.saved_tensors
        return _SampleAdjoint.apply(grad, grid, ctx.image_shape), None


class _SampleAdjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, grad: torch.Tensor, grid: torch.Tensor, image_shape: torch.Size) -> torch.Tensor:
        ctx.save_for_backward(grid)
        return _sample_adjoint(grad, grid, image_shape)

    @staticmethod
    def backward(ctx, grad2: torch.Tensor) -> tuple[torch.Tensor | None, None, None]:
        (grid,) = ctx.saved_tensors
        return _Sample.apply(grad2, grid), None, None
