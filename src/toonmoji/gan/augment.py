"""Adaptive discriminator augmentation (ADA, Karras et al. 2020) for fine-tuning on tiny data sets.

Every image the discriminator sees, real or fake, passes through the same random, differentiable
augmentations, each applied with probability `p`. `p` is tuned during training from the overfitting
heuristic r_t = E[sign(D(real))]: above the target the discriminator is memorising the few real
images, so augment more; below it, less. This is what lets a few hundred character faces
fine-tune a generator without the discriminator collapsing.

The pipeline is StyleGAN2-ADA's default 'bgc', with its semantics:
- geometric: x-flip, 90-degree rotation, integer translation (rounded to whole pixels), isotropic
  scale, pre-rotation, anisotropic scale, post-rotation (each rotation with probability
  1 - sqrt(1 - p), so that one of them happens with probability p), fractional translation. They
  compose into one matrix per image, executed once: reflect-pad, upsample x2 with the sym6
  wavelet filter, one bilinear sampling, downsample x2 with the same filter. Working at twice the
  resolution keeps aliasing and blur out of what D sees, which would otherwise leak into G.
- colour: brightness, contrast (around 0, i.e. mid-grey), luma flip, hue rotation, saturation,
  composed into one 4x4 colour matrix per image.
Random values are drawn in the same order and shapes as NVIDIA's `AugmentPipe`, so one seed gives
the same augmentations (tests/test_gan_nvidia_equivalence.py checks the images against it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F

from toonmoji.gan.grid_sample_gradfix import grid_sample
from toonmoji.gan.resample import downsample2d, make_filter, upsample2d

# Daubechies symlet-6 low-pass taps (orthogonal: upsampling then downsampling with it is exact).
SYM6 = (
    0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633,
    0.4910559419267466, 0.787641141030194, 0.3379294217276218, -0.07263752278646252,
    -0.021060292512300564, 0.04472490177066578, 0.0017677118642428036, -0.007800708325034148,
)

GEOMETRIC = ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac")
COLOUR = ("brightness", "contrast", "lumaflip", "hue", "saturation")


@dataclass(frozen=True)
class AugmentSpec:
    """Probability multipliers (each augmentation happens with probability multiplier * p) and
    strengths; the defaults are 'bgc'. Set a multiplier to 0 to leave that augmentation out."""

    xflip: float = 1.0
    rotate90: float = 1.0
    xint: float = 1.0
    scale: float = 1.0
    rotate: float = 1.0
    aniso: float = 1.0
    xfrac: float = 1.0
    brightness: float = 1.0
    contrast: float = 1.0
    lumaflip: float = 1.0
    hue: float = 1.0
    saturation: float = 1.0
    xint_max: float = 0.125  # of the image size
    scale_std: float = 0.2  # log2
    rotate_max: float = 1.0  # 1 = full circle
    aniso_std: float = 0.2  # log2
    xfrac_std: float = 0.125  # of the image size
    brightness_std: float = 0.2
    contrast_std: float = 0.5  # log2
    hue_max: float = 1.0  # 1 = full circle
    saturation_std: float = 1.0  # log2

    @classmethod
    def only(cls, *names: str) -> AugmentSpec:
        """A spec with just the named augmentations on (e.g. `only('xflip')`)."""
        unknown = set(names) - set(GEOMETRIC + COLOUR)
        if unknown:
            raise ValueError(f"unknown augmentations: {', '.join(sorted(unknown))}")
        return cls(**{n: float(n in names) for n in GEOMETRIC + COLOUR})


BGC = AugmentSpec()


@dataclass
class AugmentParams:
    """The random draws for one batch; identity values where an augmentation is off.

    All `(N,)` except the translations `(N, 2)` (x, y as fractions of the image size).
    Angles in radians, scales as factors, flips as 0/1.
    """

    xflip: torch.Tensor
    rotate90: torch.Tensor  # quarter turns, 0..3
    xint: torch.Tensor
    scale: torch.Tensor
    rotate_pre: torch.Tensor
    aniso: torch.Tensor
    rotate_post: torch.Tensor
    xfrac: torch.Tensor
    brightness: torch.Tensor
    contrast: torch.Tensor
    lumaflip: torch.Tensor
    hue: torch.Tensor
    saturation: torch.Tensor

    def is_identity(self, names: tuple[str, ...]) -> bool:
        """True when none of the named augmentations changes any image (one host sync)."""
        ones = {"scale", "aniso", "contrast", "saturation"}
        return all(bool((getattr(self, n) == (1 if n in ones else 0)).all()) for n in names)


def _gated(value: torch.Tensor, prob: torch.Tensor, identity: float, shape: list[int]) -> torch.Tensor:
    """`value` where a fresh uniform draw of `shape` falls below `prob`, else `identity`."""
    keep = torch.rand(shape, device=value.device) < prob
    return torch.where(keep, value, torch.full_like(value, identity))


def sample_params(n: int, p: float | torch.Tensor, spec: AugmentSpec = BGC, device: torch.device | str = "cpu") -> AugmentParams:
    """Draw one batch of augmentation parameters from the global RNG (NVIDIA's order and shapes:
    for each enabled augmentation its value, then its gate)."""
    dev = torch.device(device)
    p = torch.as_tensor(p, dtype=torch.float32, device=dev)
    zeros, ones = torch.zeros(n, device=dev), torch.ones(n, device=dev)
    out = {
        "xflip": zeros, "rotate90": zeros, "xint": torch.zeros(n, 2, device=dev), "scale": ones,
        "rotate_pre": zeros, "aniso": ones, "rotate_post": zeros, "xfrac": torch.zeros(n, 2, device=dev),
        "brightness": zeros, "contrast": ones, "lumaflip": zeros, "hue": zeros, "saturation": ones,
    }
    if spec.xflip > 0:
        out["xflip"] = _gated(torch.floor(torch.rand(n, device=dev) * 2), spec.xflip * p, 0, [n])
    if spec.rotate90 > 0:
        out["rotate90"] = _gated(torch.floor(torch.rand(n, device=dev) * 4), spec.rotate90 * p, 0, [n])
    if spec.xint > 0:
        t = (torch.rand(n, 2, device=dev) * 2 - 1) * spec.xint_max
        out["xint"] = _gated(t, spec.xint * p, 0, [n, 1])
    if spec.scale > 0:
        out["scale"] = _gated(torch.exp2(torch.randn(n, device=dev) * spec.scale_std), spec.scale * p, 1, [n])
    # pre- and post-rotation each with p_rot, so that at least one happens with probability p
    p_rot = 1 - torch.sqrt((1 - spec.rotate * p).clamp(0, 1))
    if spec.rotate > 0:
        theta = (torch.rand(n, device=dev) * 2 - 1) * math.pi * spec.rotate_max
        out["rotate_pre"] = _gated(theta, p_rot, 0, [n])
    if spec.aniso > 0:
        out["aniso"] = _gated(torch.exp2(torch.randn(n, device=dev) * spec.aniso_std), spec.aniso * p, 1, [n])
    if spec.rotate > 0:
        theta = (torch.rand(n, device=dev) * 2 - 1) * math.pi * spec.rotate_max
        out["rotate_post"] = _gated(theta, p_rot, 0, [n])
    if spec.xfrac > 0:
        out["xfrac"] = _gated(torch.randn(n, 2, device=dev) * spec.xfrac_std, spec.xfrac * p, 0, [n, 1])
    if spec.brightness > 0:
        out["brightness"] = _gated(torch.randn(n, device=dev) * spec.brightness_std, spec.brightness * p, 0, [n])
    if spec.contrast > 0:
        c = torch.exp2(torch.randn(n, device=dev) * spec.contrast_std)
        out["contrast"] = _gated(c, spec.contrast * p, 1, [n])
    if spec.lumaflip > 0:
        i = torch.floor(torch.rand(n, 1, 1, device=dev) * 2)
        out["lumaflip"] = _gated(i, spec.lumaflip * p, 0, [n, 1, 1]).reshape(n)
    if spec.hue > 0:
        theta = (torch.rand(n, device=dev) * 2 - 1) * math.pi * spec.hue_max
        out["hue"] = _gated(theta, spec.hue * p, 0, [n])
    if spec.saturation > 0:
        s = torch.exp2(torch.randn(n, 1, 1, device=dev) * spec.saturation_std)
        out["saturation"] = _gated(s, spec.saturation * p, 1, [n, 1, 1]).reshape(n)
    return AugmentParams(**out)


# --- geometric ---------------------------------------------------------------------------


def _affine(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    """(N, 3, 3) homogeneous 2-D maps [[a, b, tx], [c, d, ty], [0, 0, 1]] from (N,) entries."""
    z, o = torch.zeros_like(a), torch.ones_like(a)
    return torch.stack([a, b, tx, c, d, ty, z, z, o], dim=-1).reshape(-1, 3, 3)


def _scale(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    z = torch.zeros_like(sx)
    return _affine(sx, z, z, sy, z, z)


def _rotate(theta: torch.Tensor) -> torch.Tensor:
    c, s, z = torch.cos(theta), torch.sin(theta), torch.zeros_like(theta)
    return _affine(c, -s, s, c, z, z)


def _translate(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    o, z = torch.ones_like(tx), torch.zeros_like(tx)
    return _affine(o, z, z, o, tx, ty)


def geometric_matrix(params: AugmentParams, height: int, width: int) -> torch.Tensor:
    """(N, 3, 3) output -> input maps in pixel units centred on the image, each augmentation's
    inverse composed in pipeline order."""
    quarter = params.rotate90 * (math.pi / 2)
    shift = torch.round(params.xint * params.xint.new_tensor([width, height]))
    frac = params.xfrac * params.xfrac.new_tensor([width, height])
    steps = [
        _scale(1 - 2 * params.xflip, torch.ones_like(params.xflip)),
        _rotate(quarter),
        _translate(-shift[:, 0], -shift[:, 1]),
        _scale(1 / params.scale, 1 / params.scale),
        _rotate(params.rotate_pre),
        _scale(1 / params.aniso, params.aniso),
        _rotate(params.rotate_post),
        _translate(-frac[:, 0], -frac[:, 1]),
    ]
    m = steps[0]
    for step in steps[1:]:
        m = m @ step
    return m


def _const(rows: list[list[float]], like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(rows, dtype=like.dtype, device=like.device)


def apply_geometric(images: torch.Tensor, inv: torch.Tensor) -> torch.Tensor:
    """Resample `(N, C, H, W)` through the output -> input maps `inv (N, 3, 3)` (centred pixel
    units): reflect-pad by what the maps reach, upsample x2 (sym6), one bilinear sample, downsample
    x2 (sym6). Differentiable to any order in `images`."""
    n, c, h, w = images.shape
    f = make_filter(SYM6, images.device)
    f_pad = f.numel() // 4
    # padding: how far outside the image the transformed corners reach, plus the filter support
    cx, cy = (w - 1) / 2, (h - 1) / 2
    corners = _const([[-cx, cx, cx, -cx], [-cy, -cy, cy, cy], [1, 1, 1, 1]], inv)
    reach = (inv @ corners)[:, :2, :].permute(1, 0, 2).flatten(1)  # (xy, N * 4)
    margin = torch.cat([-reach, reach]).max(dim=1).values  # x0, y0, x1, y1
    margin = margin + _const([f_pad * 2 - cx, f_pad * 2 - cy] * 2, inv)
    margin = margin.max(torch.zeros_like(margin)).min(_const([w - 1, h - 1] * 2, inv))
    mx0, my0, mx1, my1 = (int(v) for v in margin.ceil().to(torch.int32).tolist())
    x = F.pad(images, [mx0, mx1, my0, my1], mode="reflect")

    def sc(sx: float, sy: float) -> torch.Tensor:
        return _const([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], inv)

    def tr(tx: float, ty: float) -> torch.Tensor:
        return _const([[1, 0, tx], [0, 1, ty], [0, 0, 1]], inv)

    m = tr((mx0 - mx1) / 2, (my0 - my1) / 2) @ inv  # the origin moved with the padding
    x = upsample2d(x, f)
    m = sc(2, 2) @ m @ sc(0.5, 0.5)
    m = tr(-0.5, -0.5) @ m @ tr(0.5, 0.5)  # pixel centres at twice the resolution
    out_h, out_w = (h + f_pad * 2) * 2, (w + f_pad * 2) * 2
    m = sc(2 / x.shape[3], 2 / x.shape[2]) @ m @ sc(out_w / 2, out_h / 2)  # to [-1, 1] coordinates
    grid = F.affine_grid(m[:, :2, :], [n, c, out_h, out_w], align_corners=False)
    x = grid_sample(x, grid)
    return downsample2d(x, f, pad=-f_pad * 2, flip=False)


# --- colour ------------------------------------------------------------------------------


def colour_matrix(params: AugmentParams) -> torch.Tensor:
    """(N, 4, 4) homogeneous RGB maps, colour_out = M @ [r, g, b, 1], the augmentations composed
    in pipeline order. The luma axis is the grey diagonal (1, 1, 1) / sqrt(3)."""
    n, dev = params.brightness.shape[0], params.brightness.device
    eye = torch.eye(4, device=dev)
    v = torch.tensor([1.0, 1.0, 1.0, 0.0], device=dev) / math.sqrt(3)
    vv = torch.outer(v, v)
    b = params.brightness
    m = eye.repeat(n, 1, 1)
    m[:, :3, 3] = b[:, None]
    m = torch.diag_embed(torch.stack([params.contrast] * 3 + [torch.ones_like(b)], -1)) @ m
    m = (eye - 2 * vv * params.lumaflip[:, None, None]) @ m  # Householder reflection of luma
    # hue: Rodrigues rotation about v
    th = params.hue
    cos, sin = torch.cos(th)[:, None, None], torch.sin(th)[:, None, None]
    k = torch.zeros(4, 4, device=dev)
    k[0, 1], k[0, 2], k[1, 0], k[1, 2], k[2, 0], k[2, 1] = -v[2], v[1], v[2], -v[0], -v[1], v[0]
    rot = vv * (1 - cos) + cos * (eye - torch.diag(torch.tensor([0.0, 0.0, 0.0, 1.0], device=dev))) + sin * k
    rot[:, 3, 3] = 1
    m = rot @ m
    m = (vv + (eye - vv) * params.saturation[:, None, None]) @ m
    return m


def apply_colour(images: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """Apply `(N, 4, 4)` colour maps to `(N, 3, H, W)` RGB (or `(N, 1, H, W)` grey: the mean row)."""
    n, c, h, w = images.shape
    x = images.reshape(n, c, h * w)
    if c == 3:
        x = m[:, :3, :3] @ x + m[:, :3, 3:]
    elif c == 1:
        row = m[:, :3, :].mean(dim=1, keepdim=True)
        x = x * row[:, :, :3].sum(dim=2, keepdim=True) + row[:, :, 3:]
    else:
        raise ValueError("colour augmentation needs RGB (3 channels) or grey (1 channel) images")
    return x.reshape(n, c, h, w)


def augment_with(images: torch.Tensor, params: AugmentParams) -> torch.Tensor:
    """Apply drawn parameters to `(N, C, H, W)` float in [-1, 1]; each stage is skipped when it is
    the identity for the whole batch."""
    if not params.is_identity(GEOMETRIC_FIELDS):
        images = apply_geometric(images, geometric_matrix(params, images.shape[2], images.shape[3]))
    if not params.is_identity(COLOUR_FIELDS):
        images = apply_colour(images, colour_matrix(params).to(images.dtype))
    return images


GEOMETRIC_FIELDS = tuple(f.name for f in fields(AugmentParams))[:8]
COLOUR_FIELDS = tuple(f.name for f in fields(AugmentParams))[8:]


def augment(images: torch.Tensor, p: float, spec: AugmentSpec = BGC) -> torch.Tensor:
    """Augment `(N, C, H, W)` float in [-1, 1] with probability `p` per augmentation.

    The random parameters are drawn even at p = 0 (so the RNG stream does not depend on p, as in
    NVIDIA's pipeline); the result is then the input itself.
    """
    return augment_with(images, sample_params(images.shape[0], p, spec, images.device))


@dataclass
class AdaptiveP:
    """The ADA controller: nudges `p` so that r_t = E[sign(D(real))] stays near `target`.

    `speed_images`: how many real images it takes for p to move by 1 (ADA's ada_kimg * 1000).
    As in NVIDIA's loop, p has no upper bound (above 1 every augmentation is always on) and stays
    put when r_t equals the target exactly.
    """

    p: float = 0.0
    target: float = 0.6
    speed_images: float = 500_000.0
    _signs: float = 0.0
    _count: int = 0
    last_rt: float = 0.0  # r_t of the last update, for logs (the running one resets there)

    def observe(self, real_logits: torch.Tensor) -> None:
        self._signs += float(torch.sign(real_logits.detach()).sum())
        self._count += int(real_logits.numel())

    @property
    def rt(self) -> float:
        return self._signs / self._count if self._count else 0.0

    def all_reduce(self) -> None:
        """Pool the observations of every process in a torchrun group."""
        import torch.distributed as dist

        t = torch.tensor([self._signs, float(self._count)], dtype=torch.float64)
        dist.all_reduce(t)
        self._signs, self._count = float(t[0]), int(t[1])

    def update(self, images_seen: int) -> float:
        """Adjust p after `images_seen` real images since the last update; returns the new p."""
        if self._count:
            self.last_rt = self.rt
            diff = self.rt - self.target
            sign = (diff > 0) - (diff < 0)
            self.p = max(self.p + sign * images_seen / self.speed_images, 0.0)
        self._signs, self._count = 0.0, 0
        return self.p
