"""StyleGAN2 config-F (Karras et al. 2020): generator and ResNet discriminator in plain PyTorch.

Generator = mapping network (z -> w, 8 equalized-lr layers with learning-rate multiplier 0.01,
running average `w_avg` for truncation) + synthesis network (learned 4x4 constant; per resolution
an upsampling and a plain modulated/demodulated 3x3 convolution, each with per-pixel noise scaled
by a learned strength; a ToRGB layer per resolution whose outputs are upsampled and summed: the
"skip" architecture). Discriminator = FromRGB, one residual block per resolution down to 4x4,
minibatch standard deviation, conv, two dense layers.

Module and parameter names mirror NVIDIA's StyleGAN2-ADA PyTorch release
(`mapping.fc0.weight`, `synthesis.b64.conv0.affine.bias`, `b4.fc.weight`, ...) so that loading its
checkpoints, and converting the TensorFlow and rosinality formats, is a table of renames.

Images are `(N, C, H, W) float`, nominally in [-1, 1] (the generator's output is not clamped).
Latents: z `(N, z_dim)`; w `(N, w_dim)`; w+ ("ws") `(N, num_ws, w_dim)`, one w per layer input
(2 * log2(resolution) - 2 of them: 18 at 1024, 14 at 256).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

from toonmoji.gan.layers import (
    Conv2dLayer,
    FullyConnectedLayer,
    bias_act,
    can_modify,
    modulated_conv2d,
)
from toonmoji.gan.resample import make_filter, upsample2d

NOISE_MODES = ("const", "random", "none")
MIN_RESOLUTION, MAX_RESOLUTION = 8, 1024


def check_resolution(resolution: int) -> int:
    """Return `resolution` if it is a power of two in [8, 1024], else raise ValueError."""
    if not (MIN_RESOLUTION <= resolution <= MAX_RESOLUTION) or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two from 8 to 1024, got {resolution}")
    return resolution


def channels_at(resolution: int, channel_base: int, channel_max: int) -> int:
    """Feature maps at one resolution: `min(channel_base // resolution, channel_max)`."""
    return max(1, min(channel_base // resolution, channel_max))


def normalize_2nd_moment(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    """Scale each vector to unit root-mean-square (StyleGAN's pixel norm of z)."""
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


class _JsonConfig:
    """to_dict/from_dict for the frozen config dataclasses below."""

    def to_dict(self) -> dict:
        d = asdict(self)  # type: ignore[call-overload]
        d["resample_filter"] = list(d["resample_filter"])
        return d

    @classmethod
    def from_dict(cls, d: dict):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} keys: {', '.join(unknown)}")
        d = dict(d)
        if "resample_filter" in d:
            d["resample_filter"] = tuple(d["resample_filter"])
        return cls(**d)

    def channels(self) -> dict[int, int]:
        """Feature maps per block resolution, 4 .. resolution."""
        top = int(math.log2(self.resolution))  # type: ignore[attr-defined]
        base, cmax = self.channel_base, self.channel_max  # type: ignore[attr-defined]
        return {2**i: channels_at(2**i, base, cmax) for i in range(2, top + 1)}


@dataclass(frozen=True)
class GeneratorConfig(_JsonConfig):
    """Everything that fixes a generator's architecture; JSON-able, saved in checkpoints.

    Config-F at 1024 px is the default. Channels at resolution r are
    `min(channel_base // r, channel_max)`.
    """

    resolution: int = 1024
    z_dim: int = 512
    w_dim: int = 512
    img_channels: int = 3
    channel_base: int = 32768
    channel_max: int = 512
    mapping_layers: int = 8
    mapping_features: int | None = None  # width of hidden mapping layers; None = w_dim
    mapping_lr: float = 0.01
    w_avg_beta: float = 0.995
    conv_clamp: float | None = None
    resample_filter: tuple[int, ...] = (1, 3, 3, 1)

    @property
    def num_ws(self) -> int:
        return 2 * int(math.log2(self.resolution)) - 2


@dataclass(frozen=True)
class DiscriminatorConfig(_JsonConfig):
    """Architecture of the ResNet discriminator; JSON-able, saved in checkpoints."""

    resolution: int = 1024
    img_channels: int = 3
    channel_base: int = 32768
    channel_max: int = 512
    mbstd_group_size: int = 4
    mbstd_num_channels: int = 1
    conv_clamp: float | None = None
    resample_filter: tuple[int, ...] = (1, 3, 3, 1)


def _resolve_config(cls: type, config: object, kwargs: dict):
    """A network takes either a config object or the config's fields as keyword arguments."""
    if config is None:
        config = cls(**kwargs)
    elif kwargs:
        raise TypeError(f"pass either a {cls.__name__} or keyword arguments, not both")
    check_resolution(config.resolution)
    return config


# ---------------------------------------------------------------------------------------------
# Generator


class MappingNetwork(nn.Module):
    """z `(N, z_dim)` -> w+ `(N, num_ws, w_dim)` (the same w broadcast to every layer)."""

    def __init__(
        self,
        z_dim: int,
        w_dim: int,
        num_ws: int,
        num_layers: int = 8,
        layer_features: int | None = None,
        lr_multiplier: float = 0.01,
        w_avg_beta: float = 0.995,
    ):
        super().__init__()
        self.z_dim, self.w_dim, self.num_ws, self.num_layers = z_dim, w_dim, num_ws, num_layers
        self.w_avg_beta = w_avg_beta
        hidden = layer_features or w_dim
        widths = [z_dim] + [hidden] * (num_layers - 1) + [w_dim]
        for i in range(num_layers):
            layer = FullyConnectedLayer(widths[i], widths[i + 1], "lrelu", lr_multiplier=lr_multiplier)
            setattr(self, f"fc{i}", layer)
        self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(
        self,
        z: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        """z `(N, z_dim)` -> ws `(N, num_ws, w_dim)`, truncated towards `w_avg` on the first
        `truncation_cutoff` layers (all when None). `update_w_avg` moves the running mean
        (training only)."""
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must be (N, {self.z_dim}), got {tuple(z.shape)}")
        x = normalize_2nd_moment(z.to(torch.float32))
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        if update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        ws = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        return truncate(ws, self.w_avg, truncation_psi, truncation_cutoff)


def truncate(
    ws: torch.Tensor, w_avg: torch.Tensor, psi: float = 1.0, cutoff: int | None = None
) -> torch.Tensor:
    """The truncation trick: pull ws `(N, L, w_dim)` towards `w_avg` by `psi` on layers < cutoff.

    psi = 1 is the identity, psi = 0 gives the average face; 0.5-0.8 trades variety for quality.
    """
    if psi == 1:
        return ws
    if cutoff is None:
        return w_avg.lerp(ws, psi)
    ws = ws.clone()
    ws[:, :cutoff] = w_avg.lerp(ws[:, :cutoff], psi)
    return ws


def style_mix(ws: torch.Tensor, ws_other: torch.Tensor, cutoff: int) -> torch.Tensor:
    """Style mixing: layers `< cutoff` from `ws`, the rest from `ws_other` (both `(N, L, w_dim)`).

    Early layers set pose and face shape, late layers colour and texture.
    """
    mixed = ws.clone()
    mixed[:, cutoff:] = ws_other[:, cutoff:]
    return mixed


class SynthesisLayer(nn.Module):
    """Modulated 3x3 conv (+ optional x2 upsampling), noise, bias, leaky ReLU."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        up: bool = False,
        conv_clamp: float | None = None,
        resample_filter: tuple[int, ...] = (1, 3, 3, 1),
    ):
        super().__init__()
        self.resolution, self.up, self.conv_clamp = resolution, up, conv_clamp
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, 3, 3]))
        self.register_buffer("noise_const", torch.randn([resolution, resolution]))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const", fused: bool = False) -> torch.Tensor:
        styles = self.affine(w)
        x = modulated_conv2d(
            x, self.weight, styles, up=self.up, resample_filter=self.resample_filter, fused=fused
        )
        noise = None
        if noise_mode == "random":
            noise = torch.randn([x.shape[0], 1, self.resolution, self.resolution], device=x.device)
        elif noise_mode == "const":
            noise = self.noise_const
        if noise is not None:
            noise = noise.to(x.dtype) * self.noise_strength
            x = x.add_(noise) if can_modify(x) else x + noise
        return bias_act(x, self.bias, "lrelu", clamp=self.conv_clamp)


class ToRGBLayer(nn.Module):
    """Modulated 1x1 conv to RGB (no demodulation) + bias."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, conv_clamp: float | None = None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn([out_channels, in_channels, 1, 1]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1.0 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused: bool = False) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused=fused)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution: (const | upsampling conv0), conv1, ToRGB added to the upsampled image."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        img_channels: int,
        conv_clamp: float | None = None,
        resample_filter: tuple[int, ...] = (1, 3, 3, 1),
    ):
        super().__init__()
        self.in_channels, self.resolution = in_channels, resolution
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        else:
            self.conv0 = SynthesisLayer(
                in_channels, out_channels, w_dim, resolution, up=True,
                conv_clamp=conv_clamp, resample_filter=resample_filter,
            )
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution, conv_clamp=conv_clamp)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.num_conv = 1 if in_channels == 0 else 2
        self.use_fp16 = False  # float16 features on CUDA (see set_fp16); the image stays float32

    def forward(
        self,
        x: torch.Tensor | None,
        img: torch.Tensor | None,
        ws: torch.Tensor,
        noise_mode: str = "const",
        fused: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ws: `(N, num_conv + 1, w_dim)`; returns features (float16 in a mixed-precision block
        on CUDA) and the running RGB image (float32)."""
        dtype = block_dtype(self.use_fp16, ws.device)
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
            x = self.conv1(x, ws[:, 0], noise_mode, fused)
        else:
            x = self.conv0(x.to(dtype), ws[:, 0], noise_mode, fused)
            x = self.conv1(x, ws[:, 1], noise_mode, fused)
        y = self.torgb(x, ws[:, self.num_conv], fused).to(torch.float32)
        img = y if img is None else upsample2d(img, self.resample_filter) + y
        return x, img


class SynthesisNetwork(nn.Module):
    """ws `(N, num_ws, w_dim)` -> image `(N, img_channels, R, R)`; blocks `b4`, `b8`, ... `bR`."""

    def __init__(
        self,
        w_dim: int,
        resolution: int,
        img_channels: int,
        channel_base: int,
        channel_max: int,
        conv_clamp: float | None = None,
        resample_filter: tuple[int, ...] = (1, 3, 3, 1),
    ):
        super().__init__()
        self.w_dim, self.resolution = w_dim, check_resolution(resolution)
        self.block_resolutions = [2**i for i in range(2, int(math.log2(resolution)) + 1)]
        self.num_ws = 0
        for res in self.block_resolutions:
            in_ch = channels_at(res // 2, channel_base, channel_max) if res > 4 else 0
            out_ch = channels_at(res, channel_base, channel_max)
            block = SynthesisBlock(
                in_ch, out_ch, w_dim, res, img_channels,
                conv_clamp=conv_clamp, resample_filter=resample_filter,
            )
            setattr(self, f"b{res}", block)
            self.num_ws += block.num_conv
        self.num_ws += 1  # the last ToRGB reads one more w

    def forward(
        self, ws: torch.Tensor, noise_mode: str = "const", fused: bool | None = None, resolution: int | None = None
    ) -> torch.Tensor:
        """`fused` picks the modulated-conv implementation (same result). None = fused for a
        single image in eval mode, unfused otherwise: measured fastest on CPU (see
        bench/gan_bench.py), and unfused has the cheaper backward pass for training.

        `resolution` stops after that block and returns the running RGB sum there `(N, C, r, r)`:
        with skip connections it is a real low-resolution image of the same face, at a fraction
        of the cost (coarse-to-fine projection optimises against it)."""
        if resolution is not None and resolution not in self.block_resolutions:
            raise ValueError(f"resolution must be one of {self.block_resolutions}, got {resolution}")
        if fused is None:
            fused = not self.training and ws.shape[0] == 1
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f"ws must be (N, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}")
        ws = ws.to(torch.float32)
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            x, img = block(x, img, ws[:, w_idx : w_idx + block.num_conv + 1], noise_mode, fused)
            w_idx += block.num_conv
            if res == resolution:
                break
        return img


class Generator(nn.Module):
    """StyleGAN2 generator. Tiny test networks:
    `Generator(resolution=16, z_dim=32, w_dim=32, channel_base=512, channel_max=32, mapping_layers=2)`.

    `G(z)` -> images `(N, 3, R, R)` in about [-1, 1]; `G.mapping(z)` -> ws; `G.synthesis(ws)` or
    `G.synthesize(w_or_ws)` -> images.
    """

    def __init__(self, config: GeneratorConfig | None = None, **kwargs):
        super().__init__()
        self.config = config = _resolve_config(GeneratorConfig, config, kwargs)
        self.z_dim, self.w_dim = config.z_dim, config.w_dim
        self.img_resolution, self.img_channels = config.resolution, config.img_channels
        self.synthesis = SynthesisNetwork(
            config.w_dim, config.resolution, config.img_channels, config.channel_base,
            config.channel_max, config.conv_clamp, config.resample_filter,
        )
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(
            config.z_dim, config.w_dim, self.num_ws, config.mapping_layers,
            config.mapping_features, config.mapping_lr, config.w_avg_beta,
        )

    @property
    def w_avg(self) -> torch.Tensor:
        """Running mean of w, `(w_dim,)`: the centre of truncation."""
        return self.mapping.w_avg

    def forward(
        self,
        z: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        noise_mode: str = "const",
        mix_z: torch.Tensor | None = None,
        mix_cutoff: int | None = None,
        fused: bool | None = None,
    ) -> torch.Tensor:
        """z `(N, z_dim)` -> images `(N, C, R, R)`.

        With `mix_z`, layers from `mix_cutoff` on take their styles from `mix_z` (style mixing).
        """
        ws = self.mapping(z, truncation_psi, truncation_cutoff)
        if mix_z is not None:
            cutoff = self.num_ws // 2 if mix_cutoff is None else mix_cutoff
            ws = style_mix(ws, self.mapping(mix_z, truncation_psi, truncation_cutoff), cutoff)
        return self.synthesis(ws, noise_mode=noise_mode, fused=fused)

    def synthesize(self, w: torch.Tensor, noise_mode: str = "const", fused: bool | None = None) -> torch.Tensor:
        """Render from w `(N, w_dim)` (same style for every layer) or w+ `(N, num_ws, w_dim)`."""
        if w.ndim == 2:
            w = w.unsqueeze(1).repeat([1, self.num_ws, 1])
        return self.synthesis(w, noise_mode=noise_mode, fused=fused)


# ---------------------------------------------------------------------------------------------
# Discriminator


class DiscriminatorBlock(nn.Module):
    """Residual block: (FromRGB at the top resolution), conv0, conv1 with /2, 1x1 /2 skip."""

    def __init__(
        self,
        in_channels: int,
        tmp_channels: int,
        out_channels: int,
        img_channels: int,
        conv_clamp: float | None = None,
        resample_filter: tuple[int, ...] = (1, 3, 3, 1),
    ):
        super().__init__()
        self.in_channels = in_channels
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, "lrelu", conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, "lrelu", conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(
            tmp_channels, out_channels, 3, "lrelu", down=True,
            resample_filter=resample_filter, conv_clamp=conv_clamp,
        )
        self.skip = Conv2dLayer(
            tmp_channels, out_channels, 1, bias=False, down=True, resample_filter=resample_filter
        )
        self.use_fp16 = False  # float16 on CUDA (see set_fp16)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor) -> torch.Tensor:
        dtype = block_dtype(self.use_fp16, img.device)
        if self.in_channels == 0:
            x = self.fromrgb(img.to(dtype))
        else:
            x = x.to(dtype)
        gain = math.sqrt(0.5)  # keeps the variance of the residual sum
        return self.skip(x, gain=gain) + self.conv1(self.conv0(x), gain=gain)


class MinibatchStdLayer(nn.Module):
    """Append the mean standard deviation across groups of samples as extra feature maps,
    so the discriminator can see a lack of variety (mode collapse)."""

    def __init__(self, group_size: int, num_channels: int = 1):
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group_size, n) if self.group_size else n
        if n % g:
            raise ValueError(f"batch size {n} is not a multiple of the minibatch-stddev group {g}")
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)
        y = (y - y.mean(dim=0)).square().mean(dim=0)
        y = (y + 1e-8).sqrt().mean(dim=[2, 3, 4])  # (n/g, F)
        y = y.reshape(-1, f, 1, 1).repeat(g, 1, h, w)
        return torch.cat([x, y], dim=1)


class DiscriminatorEpilogue(nn.Module):
    """4x4 head: minibatch stddev, 3x3 conv, dense, dense -> one logit."""

    def __init__(
        self,
        in_channels: int,
        mbstd_group_size: int = 4,
        mbstd_num_channels: int = 1,
        conv_clamp: float | None = None,
    ):
        super().__init__()
        self.mbstd = MinibatchStdLayer(mbstd_group_size, mbstd_num_channels) if mbstd_num_channels else None
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3, "lrelu", conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * 16, in_channels, "lrelu")
        self.out = FullyConnectedLayer(in_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(torch.float32)  # the head always runs in float32, as NVIDIA's
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.conv(x)
        return self.out(self.fc(x.flatten(1)))


class Discriminator(nn.Module):
    """ResNet discriminator: images `(N, C, R, R)` in [-1, 1] -> logits `(N, 1)`."""

    def __init__(self, config: DiscriminatorConfig | None = None, **kwargs):
        super().__init__()
        self.config = config = _resolve_config(DiscriminatorConfig, config, kwargs)
        self.img_resolution, self.img_channels = config.resolution, config.img_channels
        self.block_resolutions = [2**i for i in range(int(math.log2(config.resolution)), 2, -1)]
        ch = config.channels()
        for res in self.block_resolutions:
            block = DiscriminatorBlock(
                0 if res == config.resolution else ch[res], ch[res], ch[res // 2],
                config.img_channels, config.conv_clamp, config.resample_filter,
            )
            setattr(self, f"b{res}", block)
        self.b4 = DiscriminatorEpilogue(
            ch[4], config.mbstd_group_size, config.mbstd_num_channels, config.conv_clamp
        )

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        r = self.img_resolution
        if img.ndim != 4 or tuple(img.shape[1:]) != (self.img_channels, r, r):
            raise ValueError(f"images must be (N, {self.img_channels}, {r}, {r}), got {tuple(img.shape)}")
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f"b{res}")(x, img)
        return self.b4(x)


def block_dtype(use_fp16: bool, device: torch.device) -> torch.dtype:
    """float16 for a mixed-precision block on CUDA; float32 everywhere else (the CPU path is
    exactly the float32 network whatever `use_fp16` says)."""
    return torch.float16 if use_fp16 and device.type == "cuda" else torch.float32


def fp16_resolutions(resolution: int, num_fp16_res: int) -> list[int]:
    """Block resolutions that NVIDIA runs in float16 for `num_fp16_res`: those at or above
    `max(2 ** (log2(resolution) + 1 - num_fp16_res), 8)`: the top N, never the 4x4 block."""
    if num_fp16_res <= 0:
        return []
    top = int(math.log2(resolution))
    lowest = max(2 ** (top + 1 - num_fp16_res), 8)
    return [2**i for i in range(3, top + 1) if 2**i >= lowest]


def set_fp16(module: Generator | Discriminator, num_fp16_res: int) -> list[int]:
    """Mark the top `num_fp16_res` resolutions of a generator's synthesis or a discriminator
    for float16 (on CUDA only; 0 turns it off); returns the block resolutions marked."""
    net = module.synthesis if isinstance(module, Generator) else module
    chosen = fp16_resolutions(module.img_resolution, num_fp16_res)
    for res in net.block_resolutions:
        block = getattr(net, f"b{res}")
        block.use_fp16 = res in chosen
    return [r for r in net.block_resolutions if r in chosen]


def tiny_networks(
    resolution: int = 16, channels: int = 32, latent: int = 32, seed: int = 0, noise_strength: float = 0.1
) -> tuple[Generator, Discriminator]:
    """A small, seeded (generator, discriminator) pair for tests: runs in milliseconds on a CPU.

    Noise strengths are set non-zero (they start at zero in a fresh network) so that noise modes
    make a visible difference.
    """
    torch.manual_seed(seed)
    g = Generator(
        resolution=resolution, z_dim=latent, w_dim=latent, channel_base=channels * 16,
        channel_max=channels, mapping_layers=2,
    )
    d = Discriminator(resolution=resolution, channel_base=channels * 16, channel_max=channels)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(noise_strength)
        g.mapping.w_avg.normal_(0, 0.1)
    return g.eval(), d.eval()
