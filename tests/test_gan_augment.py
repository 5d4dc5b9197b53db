"""The augmentation's resampling: exact when it should be, and twice differentiable (R1 needs it)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradgradcheck

from toonmoji.gan.augment import AugmentSpec, apply_geometric, augment
from toonmoji.gan.grid_sample_gradfix import grid_sample


def _grid(n: int, out_hw: tuple[int, int], dtype=torch.float32) -> torch.Tensor:
    theta = torch.tensor([[0.9, 0.3, 0.05], [-0.2, 1.1, 0.1]], dtype=dtype).repeat(n, 1, 1)
    theta[1:, 0, 2] = -0.3
    return F.affine_grid(theta, [n, 1, *out_hw], align_corners=False)


def test_grid_sample_is_twice_differentiable_in_the_image():
    torch.manual_seed(0)
    x = torch.randn(2, 2, 6, 5, dtype=torch.float64, requires_grad=True)
    grid = _grid(2, (7, 8), torch.float64)
    assert gradgradcheck(lambda t: grid_sample(t, grid), (x,))


def test_grid_sample_matches_pytorch_to_second_order():
    """The installed PyTorch (2.13 when written) differentiates its own grid_sample backward in
    the image too; ours must give the same values and the same second derivatives."""
    torch.manual_seed(1)
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    grid = _grid(2, (8, 8))
    w = torch.randn(4, 3, 3, 3, requires_grad=True)

    def second_order(sample) -> tuple[torch.Tensor, torch.Tensor]:
        out = F.conv2d(sample(x), w).tanh().sum()  # a tiny "discriminator"
        (gx,) = torch.autograd.grad(out, x, create_graph=True)
        (gw,) = torch.autograd.grad(gx.square().sum(), w)  # what R1 trains D with
        return gx.detach(), gw

    native = second_order(lambda t: F.grid_sample(t, grid, align_corners=False))
    ours = second_order(lambda t: grid_sample(t, grid))
    assert torch.allclose(ours[0], native[0], atol=1e-6)
    assert torch.allclose(ours[1], native[1], rtol=1e-4, atol=1e-5)


def test_grid_sample_refuses_a_trainable_grid():
    grid = _grid(1, (4, 4)).requires_grad_(True)
    with pytest.raises(ValueError, match="grid"):
        grid_sample(torch.zeros(1, 1, 4, 4), grid)


def test_identity_geometry_returns_the_image():
    """Up- and downsampling with the orthogonal sym6 wavelet reconstruct perfectly, so the
    2x pipeline adds no blur of its own."""
    torch.manual_seed(2)
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    y = apply_geometric(x, torch.eye(3).repeat(3, 1, 1))
    assert torch.allclose(y, x, atol=1e-5)


def test_integer_translation_moves_whole_pixels():
    """A one-pixel shift lands exactly on the pixel grid: no interpolation blur."""
    torch.manual_seed(3)
    x = torch.rand(1, 3, 16, 16)
    shift = torch.eye(3).unsqueeze(0)
    shift[0, 0, 2] = -1.0  # output pixel (u, v) reads input (u - 1, v)
    y = apply_geometric(x, shift)
    assert torch.allclose(y[..., 1:], x[..., :-1], atol=1e-5)


def test_r1_through_augmentation_trains_the_discriminator():
    """The R1 gradient on augmented reals flows back to the clean images and on to D's weights."""
    torch.manual_seed(4)
    x = (torch.rand(2, 3, 16, 16) * 2 - 1).requires_grad_(True)
    w = torch.randn(1, 3, 5, 5, requires_grad=True)
    logits = F.conv2d(augment(x, 1.0, AugmentSpec.only("rotate", "scale")), w).mean(dim=[1, 2, 3])
    (g,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    (gw,) = torch.autograd.grad(g.square().sum(), w)
    assert torch.isfinite(gw).all() and gw.abs().sum() > 0
