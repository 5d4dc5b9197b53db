"""Training objectives: exact values on simple functions, and real optimizer steps on tiny nets."""

from __future__ import annotations

import math

import torch

from toonmoji.gan.losses import (
    d_logistic_loss,
    g_nonsaturating_loss,
    path_length_penalty,
    r1_penalty,
)
from toonmoji.gan.networks import tiny_networks


def test_logistic_losses_match_their_definitions():
    real, fake = torch.tensor([[2.0], [-1.0]]), torch.tensor([[0.5], [-3.0]])
    softplus = lambda x: torch.log1p(torch.exp(x))
    assert torch.isclose(g_nonsaturating_loss(fake), softplus(-fake).mean())
    assert torch.isclose(d_logistic_loss(real, fake), softplus(fake).mean() + softplus(-real).mean())


def test_r1_of_a_linear_critic_is_its_squared_weight_norm():
    a = torch.randn(1, 3, 4, 4)
    images = torch.randn(5, 3, 4, 4, requires_grad=True)
    logits = (images * a).sum(dim=[1, 2, 3])
    assert torch.isclose(r1_penalty(logits, images), a.square().sum(), rtol=1e-5)


def test_path_length_of_a_linear_generator():
    torch.manual_seed(0)
    ws = torch.randn(3, 2, 6, requires_grad=True)
    A = torch.randn(6, 3 * 4 * 4)
    images = (ws.sum(dim=1) @ A).reshape(3, 3, 4, 4)
    torch.manual_seed(1)
    penalty, new_mean, lengths = path_length_penalty(images, ws, mean_path_length=0.5, decay=0.1)
    torch.manual_seed(1)
    y = torch.randn_like(images) / math.sqrt(16)
    grad_w = (y.reshape(3, -1) @ A.t())  # d(sum(img * y)) / d w, the same for both layers
    expected = grad_w.square().sum(dim=1).sqrt()  # mean over the 2 layers of equal squares
    assert torch.allclose(lengths, expected, atol=1e-5)
    mean = 0.5 + 0.1 * (expected.mean() - 0.5)
    assert torch.isclose(new_mean, mean, atol=1e-6)
    assert torch.isclose(penalty, (expected - mean).square().mean(), atol=1e-6)


def test_a_few_training_steps_with_r1_and_path_length():
    G, D = tiny_networks(resolution=16)
    G.train(), D.train()
    g_opt = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.0, 0.99))
    d_opt = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.0, 0.99))
    before = {k: v.clone() for k, v in list(G.state_dict().items()) + list(D.state_dict().items())}
    reals = torch.tanh(torch.randn(4, 3, 16, 16))
    pl_mean = torch.zeros([])
    for _ in range(3):
        # Discriminator: logistic loss + R1 (gamma 10).
        z = torch.randn(4, 32)
        with torch.no_grad():
            fakes = G(z, noise_mode="random")
        real_in = reals.detach().requires_grad_(True)
        real_logits = D(real_in)
        d_loss = d_logistic_loss(real_logits, D(fakes)) + 10 / 2 * r1_penalty(real_logits, real_in)
        d_opt.zero_grad()
        d_loss.backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in D.parameters())
        assert all(p.grad.abs().sum() > 0 for p in D.parameters())
        d_opt.step()
        # Generator: non-saturating loss + path length (weight 2), with style mixing.
        ws = G.mapping(torch.randn(4, 32), update_w_avg=True)
        ws = torch.cat([ws[:, :3], G.mapping(torch.randn(4, 32))[:, 3:]], dim=1)
        images = G.synthesis(ws, noise_mode="random")
        pl, pl_mean, _ = path_length_penalty(images, ws, pl_mean)
        g_loss = g_nonsaturating_loss(D(images)) + 2 * pl
        g_opt.zero_grad()
        g_loss.backward()
        grads = {n: p.grad for n, p in G.named_parameters()}
        assert all(g is not None and torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads.values()), [
            n for n, g in grads.items() if g is None or g.abs().sum() == 0
        ]
        g_opt.step()
        assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    assert pl_mean > 0
    after = {k: v for k, v in list(G.state_dict().items()) + list(D.state_dict().items())}
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert "mapping.w_avg" in changed and "synthesis.b16.conv1.weight" in changed and "b16.conv0.weight" in changed
