"""Make a generator's clean samples look like aligned photos, to train the encoder on.

An encoder trained on the generator's own images alone fails on photos: real ones are blurred,
JPEG-compressed, noisy, differently lit, against other backgrounds, and aligned a little off.
Each of those is drawn at random per image here; the latent the encoder must recover is the
sample's own, so it learns to see through them. All randomness comes from the given generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

# The head (face and hair) in an FFHQ-aligned frame, as fractions of the side: centre and radii
# of an ellipse. Outside it is background, which photos do not share with the samples.
HEAD_ELLIPSE = (0.5, 0.5, 0.42, 0.5)


@dataclass(frozen=True)
class PhotoAugment:
    """Probabilities and strengths; `(N, 3, S, S)` in [-1, 1] in and out."""

    crop_jitter: float = 0.04  # shift up to this fraction of the side, scale within 1 +- it
    background: float = 0.5  # probability of a new background
    colour: float = 0.15  # brightness shift, and contrast and saturation within 1 +- 2x it
    blur: float = 0.5  # probability of a Gaussian blur (sigma up to 1% of the side)
    noise: float = 0.5  # probability of Gaussian noise (sigma up to 0.05)
    jpeg: float = 0.5  # probability of JPEG at quality 30-95

    def __call__(self, images: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        x = crop_jitter(images, self.crop_jitter, gen)
        x = replace_background(x, self.background, gen)
        x = colour_jitter(x, self.colour, gen)
        x = gaussian_blur(x, self.blur, gen)
        x = add_noise(x, self.noise, gen)
        return jpeg(x, self.jpeg, gen).clamp(-1, 1)


def _uniform(n: int, low: float, high: float, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    return torch.rand(n, generator=gen).to(device) * (high - low) + low


def _chosen(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < p


def crop_jitter(x: torch.Tensor, amount: float, gen: torch.Generator) -> torch.Tensor:
    """A small random shift and zoom (alignment is never exact), borders reflected."""
    n = x.shape[0]
    scale = _uniform(n, 1 - amount, 1 + amount, gen, x.device)
    shift = torch.stack([_uniform(n, -amount, amount, gen, x.device) for _ in range(2)], 1) * 2
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def head_mask(size: int, device: torch.device, feather: float = 0.06) -> torch.Tensor:
    """`(1, 1, S, S)` soft ellipse of the head in an aligned frame: 1 inside, 0 outside."""
    cx, cy, rx, ry = HEAD_ELLIPSE
    t = (torch.arange(size, device=device, dtype=torch.float32) + 0.5) / size
    d = ((t[None, :] - cx) / rx).square() + ((t[:, None] - cy) / ry).square()
    return torch.sigmoid((1 - d.sqrt()) / feather)[None, None]


def replace_background(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Outside the head, a smooth random colour field (muted, as walls and rooms are) for the
    chosen images."""
    chosen = _chosen(x.shape[0], p, gen)
    if not chosen.any():
        return x
    n, c, s, _ = x.shape
    field = torch.rand(n, c, 3, 3, generator=gen).to(x.device) * 1.6 - 0.8
    grey = field.mean(dim=1, keepdim=True)
    field = grey + (field - grey) * torch.rand(n, 1, 1, 1, generator=gen).to(x.device) * 0.6
    field = F.interpolate(field, size=(s, s), mode="bilinear", align_corners=True)
    mask = head_mask(s, x.device)
    keep = (~chosen).to(x.device, x.dtype)[:, None, None, None]
    return x * (mask + (1 - mask) * keep) + field * (1 - mask) * (1 - keep)


def colour_jitter(x: torch.Tensor, amount: float, gen: torch.Generator) -> torch.Tensor:
    """Brightness, contrast (about each image's mean) and saturation (about its grey)."""
    n = x.shape[0]
    shape = (n, 1, 1, 1)
    bright = _uniform(n, -amount, amount, gen, x.device).view(shape)
    contrast = _uniform(n, 1 - 2 * amount, 1 + 2 * amount, gen, x.device).view(shape)
    saturation = _uniform(n, 1 - 2 * amount, 1 + 2 * amount, gen, x.device).view(shape)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean + bright
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * saturation + grey


def gaussian_blur(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    chosen = _chosen(x.shape[0], p, gen)
    sigmas = torch.rand(x.shape[0], generator=gen) * 0.01 * x.shape[-1]
    out = x.clone()
    for i in torch.nonzero(chosen).flatten().tolist():
        sigma = max(float(sigmas[i]), 0.3)
        radius = max(1, int(3 * sigma))
        t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
        k = torch.exp(-0.5 * (t / sigma) ** 2)
        k = k / k.sum()
        img = F.pad(x[i : i + 1], (radius, radius, radius, radius), mode="reflect")
        img = F.conv2d(img, k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), groups=3)
        out[i] = F.conv2d(img, k.view(1, 1, -1, 1).repeat(3, 1, 1, 1), groups=3)[0]
    return out


def add_noise(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    chosen = _chosen(x.shape[0], p, gen).to(x.device, x.dtype)
    sigma = torch.rand(x.shape[0], generator=gen).to(x.device) * 0.05 * chosen
    return x + torch.randn(x.shape, generator=gen).to(x.device) * sigma.view(-1, 1, 1, 1)


def jpeg(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """JPEG round trip through OpenCV (no gradient: inputs of the encoder need none)."""
    chosen = _chosen(x.shape[0], p, gen)
    qualities = torch.randint(30, 96, (x.shape[0],), generator=gen)
    out = x.clone()
    for i in torch.nonzero(chosen).flatten().tolist():
        img = ((x[i].detach().permute(1, 2, 0).cpu().numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(qualities[i])])
        if ok:
            dec = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(img.shape)
            out[i] = torch.from_numpy(dec).to(x.device, x.dtype).permute(2, 0, 1) / 127.5 - 1
    return out
