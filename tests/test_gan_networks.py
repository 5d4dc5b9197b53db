"""StyleGAN2 networks: architecture, FIR resampling, latents, truncation, mixing, noise."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from toonmoji.gan.networks import Discriminator, Generator, style_mix, tiny_networks, truncate
from toonmoji.gan.resample import (
    downsample2d,
    filter_2d,
    fir_filter,
    make_filter,
    upsample2d,
    upsample_conv2d,
    zero_insert,
)


@pytest.fixture(scope="module")
def nets():
    return tiny_networks(resolution=16)


def test_config_f_has_the_published_parameter_counts():
    # StyleGAN2 config-F at 1024 px: 30,370,060 generator / 29,012,513 discriminator parameters
    # (the counts NVIDIA's StyleGAN2-ADA prints for its FFHQ networks). Built on the meta device.
    with torch.device("meta"):
        G, D = Generator(), Discriminator()
    assert sum(p.numel() for p in G.parameters()) == 30_370_060
    assert sum(p.numel() for p in D.parameters()) == 29_012_513
    assert G.num_ws == 18
    assert G.config.channels() == {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128,
                                   512: 64, 1024: 32}


@pytest.mark.parametrize("resolution", [8, 16, 32])
def test_any_power_of_two_resolution(resolution):
    G, D = tiny_networks(resolution=resolution, channels=16, latent=16)
    with torch.no_grad():
        img = G(torch.randn(2, 16))
        assert img.shape == (2, 3, resolution, resolution)
        assert torch.isfinite(img).all()
        assert D(img).shape == (2, 1)
    assert G.num_ws == 2 * resolution.bit_length() - 4


@pytest.mark.parametrize("bad", [4, 12, 2048])
def test_unsupported_resolutions_are_refused(bad):
    with pytest.raises(ValueError, match="power of two"):
        Generator(resolution=bad, channel_max=8)


def test_fused_and_unfused_modulated_convolution_agree(nets):
    G, _ = nets
    z = torch.randn(3, 32)
    with torch.no_grad():
        assert (G(z, fused=True) - G(z, fused=False)).abs().max() < 1e-5


def test_upsample_of_an_impulse_is_the_binomial_filter():
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 1, 1] = 1.0
    y = upsample2d(x, make_filter())
    assert y.shape == (1, 1, 8, 8)
    # the impulse at (1, 1) lands at (2, 2); the 4x4 filter (gain 4) spreads around it
    expected = 4 * filter_2d(make_filter())
    assert torch.allclose(y[0, 0, 1:5, 1:5], expected, atol=1e-6)
    assert torch.isclose(y.sum(), torch.tensor(4.0))  # gain 4: three of four samples were zeros


def test_resampling_keeps_a_constant_image_constant_inside():
    f = make_filter()
    x = torch.full((1, 2, 16, 16), 0.7)
    assert torch.allclose(upsample2d(x, f)[..., 4:-4, 4:-4], torch.tensor(0.7), atol=1e-6)
    assert torch.allclose(downsample2d(x, f)[..., 2:-2, 2:-2], torch.tensor(0.7), atol=1e-6)
    assert downsample2d(x, f).shape == (1, 2, 8, 8)


def test_upsampling_conv_equals_zero_insert_filter_then_conv():
    # The transposed-convolution shortcut must compute the definition: zero insertion, padding
    # (filter and kernel supports together), the FIR filter, then a valid convolution.
    torch.manual_seed(0)
    f = make_filter()
    x, w = torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3)
    fast = upsample_conv2d(x, w, f)
    slow = F.conv2d(fir_filter(zero_insert(x), f, (3, 2, 3, 2), gain=4.0), w.flip([2, 3]))
    assert fast.shape == (2, 4, 10, 10)
    assert torch.allclose(fast, slow, atol=1e-5)


def test_w_and_w_plus_inputs_render_the_same(nets):
    G, _ = nets
    w = G.mapping(torch.randn(2, 32))[:, 0]
    with torch.no_grad():
        a = G.synthesize(w)
        b = G.synthesize(w.unsqueeze(1).repeat(1, G.num_ws, 1))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="ws must be"):
        G.synthesis(torch.randn(2, G.num_ws + 1, 32))


def test_truncation_psi_and_cutoff(nets):
    G, _ = nets
    z = torch.randn(3, 32)
    ws = G.mapping(z)
    assert torch.equal(G.mapping(z, truncation_psi=1.0), ws)
    flat = G.mapping(z, truncation_psi=0.0)
    assert torch.allclose(flat, G.w_avg.expand_as(flat))
    half = G.mapping(z, truncation_psi=0.5, truncation_cutoff=2)
    assert torch.allclose(half[:, :2], (ws[:, :2] + G.w_avg) / 2, atol=1e-6)
    assert torch.equal(half[:, 2:], ws[:, 2:])
    with torch.no_grad():
        images = G(z, truncation_psi=0.0)  # every sample becomes the average image
    assert (images - images[:1]).abs().max() < 1e-5
    assert torch.equal(truncate(ws, G.w_avg, 1.0), ws)


def test_style_mixing_takes_late_layers_from_the_second_latent(nets):
    G, _ = nets
    z1, z2 = torch.randn(2, 32), torch.randn(2, 32)
    ws1, ws2 = G.mapping(z1), G.mapping(z2)
    mixed = style_mix(ws1, ws2, cutoff=3)
    assert torch.equal(mixed[:, :3], ws1[:, :3]) and torch.equal(mixed[:, 3:], ws2[:, 3:])
    with torch.no_grad():
        assert torch.equal(G(z1, mix_z=z2, mix_cutoff=3), G.synthesis(mixed))
        assert torch.equal(G(z1, mix_z=z2, mix_cutoff=G.num_ws), G(z1))


def test_noise_modes(nets):
    G, _ = nets
    z = torch.randn(2, 32)
    with torch.no_grad():
        const_a, const_b = G(z, noise_mode="const"), G(z, noise_mode="const")
        random_a, random_b = G(z, noise_mode="random"), G(z, noise_mode="random")
        none = G(z, noise_mode="none")
    assert torch.equal(const_a, const_b)
    assert (random_a - random_b).abs().max() > 1e-3
    assert (none - const_a).abs().max() > 1e-3
    with pytest.raises(ValueError, match="noise_mode"):
        G(z, noise_mode="loud")


def test_mapping_tracks_w_avg_only_when_asked():
    G, _ = tiny_networks(resolution=8)
    before = G.w_avg.clone()
    G.mapping(torch.randn(8, 32))
    assert torch.equal(G.w_avg, before)
    G.mapping(torch.randn(8, 32), update_w_avg=True)
    assert not torch.equal(G.w_avg, before)


def test_minibatch_stddev_sees_the_batch(nets):
    _, D = nets
    img = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        same = D(img[:1].repeat(4, 1, 1, 1))
        varied = D(torch.cat([img[:1], img[1:]]))
    assert not torch.allclose(same[0], varied[0])  # sample 0 scored differently in other company
    with pytest.raises(ValueError, match="multiple of the minibatch-stddev group"):
        D(torch.randn(6, 3, 16, 16))


def test_gradients_with_partly_frozen_layers(nets):
    # Fine-tuning freezes some layers; outputs of frozen layers feed trainable biases and must not
    # be modified in place while autograd records.
    G, _ = tiny_networks(resolution=16)
    for name, p in G.named_parameters():
        p.requires_grad_(name.endswith("bias"))
    G(torch.randn(2, 32)).square().mean().backward()
    grads = [p.grad for n, p in G.named_parameters() if n.endswith("bias")]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    with torch.no_grad():  # inference takes the in-place path and agrees with the autograd path
        z = torch.randn(2, 32)
        fast = G(z)
    assert torch.allclose(fast, G(z).detach(), atol=1e-6)
