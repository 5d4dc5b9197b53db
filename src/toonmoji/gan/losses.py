"""StyleGAN2's training objectives: non-saturating logistic loss, R1, path-length regularization.

These are the pieces fine-tuning (toonify) needs; they are plain functions of logits, images and
latents, so any training loop can combine them (e.g. R1 every 16 D steps with weight
gamma / 2 * 16, path length every 4 G steps — StyleGAN2's "lazy regularization").
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def g_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator loss `mean(softplus(-D(G(z))))` (Goodfellow et al.'s non-saturating form)."""
    return F.softplus(-fake_logits).mean()


def d_logistic_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator loss `mean(softplus(D(fake))) + mean(softplus(-D(real)))`."""
    return F.softplus(fake_logits).mean() + F.softplus(-real_logits).mean()


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): mean over the batch of `|d D(x) / d x|^2` on real images.

    `real_images` must have `requires_grad=True` and `real_logits` be computed from them.
    Multiply by gamma / 2 for the loss. Differentiable (create_graph) so D can be trained on it.
    """
    (grad,) = torch.autograd.grad(real_logits.sum(), real_images, create_graph=True)
    return grad.square().sum(dim=[1, 2, 3]).mean()


def path_length_penalty(
    fake_images: torch.Tensor,
    ws: torch.Tensor,
    mean_path_length: torch.Tensor | float,
    decay: float = 0.01,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Path-length regularization (Karras et al. 2020, eq. 4).

    fake_images `(N, C, H, W)` generated from ws `(N, L, w_dim)` (requires grad). Random image-space
    directions y (scaled by 1/sqrt(H*W)) give lengths `|J_w^T y|`; the penalty is their squared
    deviation from a running mean `a`, which makes a fixed-size step in w change the image by a
    fixed amount. The penalty is taken against the updated mean, with the gradient flowing through
    its `decay * mean(lengths)` part too (as NVIDIA's loss does). Returns (penalty, updated
    running mean (detached), per-sample lengths).
    """
    h, w = fake_images.shape[2:]
    noise = torch.randn_like(fake_images) / math.sqrt(h * w)
    (grad,) = torch.autograd.grad((fake_images * noise).sum(), ws, create_graph=True)
    lengths = grad.square().sum(dim=2).mean(dim=1).sqrt()
    mean = torch.as_tensor(mean_path_length, dtype=lengths.dtype, device=lengths.device)
    new_mean = mean.lerp(lengths.mean(), decay)  # differentiable, as in StyleGAN2-ADA's loss
    penalty = (lengths - new_mean).square().mean()
    return penalty, new_mean.detach(), lengths
