"""An encoder into a base generator's W+ space: one forward pass gives a projection's start.

Why: optimising a latent from the average face takes hundreds of generator passes; an encoder
(pSp, e4e) guesses it in one. Ours is small enough for a CPU (a strided CNN on the face shrunk
to at most 256 px) and predicts, as e4e does, one w shared by every layer plus small per-layer
offsets, all relative to the base's `w_avg`: the shared w is the W-space answer, shared plus
offsets the W+ one. It is trained on the base generator's own samples (`encoder_train.py`), so
it belongs to one base model: the file records the base's fingerprint and refuses another.

File format (`torch.save`, read with `weights_only=True`): a dict with `format`
("toonmoji-encoder"), `version`, `config`, `state` (state dict) and `base_fingerprint`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.errors import CheckpointError
from toonmoji.imageio import atomic_path, require_file

FORMAT = "toonmoji-encoder"
VERSION = 1


@dataclass(frozen=True)
class EncoderConfig:
    num_ws: int
    w_dim: int
    resolution: int  # the base generator's image size (inputs of other sizes are resized)
    input_size: int = 256  # the face is shrunk to this before the CNN (at most `resolution`)
    width: int = 32  # channels of the first stage; doubled per stage up to 8x
    rank: int = 32  # per-layer offsets are a rank-`rank` map from the shared features

    @classmethod
    def for_generator(cls, G: nn.Module, **kwargs: int) -> EncoderConfig:
        size = min(kwargs.pop("input_size", 256), int(G.img_resolution))
        return cls(int(G.num_ws), int(G.w_dim), int(G.img_resolution), size, **kwargs)

    @classmethod
    def from_dict(cls, d: dict) -> EncoderConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in d.items() if k in names})


def _stage(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(cout, cout, 3, padding=1), nn.LeakyReLU(0.2),
    )


class Encoder(nn.Module):
    """Aligned faces `(N, 3, S, S)` in [-1, 1] -> w+ `(N, num_ws, w_dim)`."""

    def __init__(self, config: EncoderConfig, w_avg: torch.Tensor | None = None):
        super().__init__()
        self.config = c = config
        stages, cin, size = [], 3, c.input_size
        while size > 4:
            cout = min(c.width * 2 ** len(stages), c.width * 8)
            stages.append(_stage(cin, cout))
            cin, size = cout, size // 2
        self.backbone = nn.Sequential(*stages)
        hidden = 512
        self.trunk = nn.Sequential(nn.Flatten(), nn.Linear(cin * size * size, hidden), nn.LeakyReLU(0.2))
        self.shared = nn.Linear(hidden, c.w_dim)
        self.codes = nn.Linear(hidden, c.num_ws * c.rank)
        self.offset_basis = nn.Parameter(torch.zeros(c.num_ws, c.rank, c.w_dim))
        self.register_buffer("w_avg", torch.zeros(c.w_dim) if w_avg is None else w_avg.detach().reshape(-1).clone())

    def split(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The shared w `(N, w_dim)` (absolute, in W) and per-layer offsets `(N, num_ws, w_dim)`."""
        c = self.config
        x = images.to(self.w_avg.device, torch.float32)
        if x.shape[-1] != c.input_size:
            x = F.interpolate(x, size=(c.input_size, c.input_size), mode="area")
        h = self.trunk(self.backbone(x))
        codes = self.codes(h).view(-1, c.num_ws, c.rank)
        offsets = torch.einsum("nlr,lrw->nlw", codes, self.offset_basis)
        return self.w_avg + self.shared(h), offsets

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        w, offsets = self.split(images)
        return w[:, None, :] + offsets

    @torch.no_grad()
    def guess(self, image: torch.Tensor, latent: str = "w+") -> torch.Tensor:
        """The start of a projection for one face `(3, S, S)`: `(num_ws, w_dim)`; in W the
        shared w repeated (offsets dropped)."""
        w, offsets = self.split(image[None])
        if latent == "w":
            return w.repeat(self.config.num_ws, 1)
        return (w[:, None, :] + offsets)[0]


def generator_fingerprint(G: nn.Module) -> str:
    """sha256 of a generator's weights: the same network in any file format gives the same one."""
    h = hashlib.sha256()
    for name, tensor in sorted(G.state_dict().items()):
        if name.endswith("noise_const") or not torch.is_floating_point(tensor):
            continue
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def save_encoder(path: Path, encoder: Encoder, base_fingerprint: str, force: bool = False) -> Path:
    state = {k: v.detach().cpu() for k, v in encoder.state_dict().items()}
    data = {"format": FORMAT, "version": VERSION, "config": asdict(encoder.config), "state": state,
            "base_fingerprint": base_fingerprint}
    with atomic_path(Path(path), force=force) as tmp:
        torch.save(data, tmp)
    return Path(path)


def load_encoder(path: Path, G: nn.Module | None = None, device: str = "cpu", fingerprint: str | None = None) -> Encoder:
    """An encoder file, checked against the base generator `G` it must belong to."""
    path = require_file(path)
    try:
        data = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise CheckpointError(f"cannot read encoder {path.name}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a toonmoji encoder (make one with `toonmoji gan train-encoder`)")
    config = EncoderConfig.from_dict(data["config"])
    if G is not None:
        if (config.num_ws, config.w_dim, config.resolution) != (G.num_ws, G.w_dim, G.img_resolution):
            raise CheckpointError(
                f"{path.name} encodes into {config.num_ws} x {config.w_dim} latents at {config.resolution} px; "
                f"the base has {G.num_ws} x {G.w_dim} at {G.img_resolution} px"
            )
        if (fingerprint or generator_fingerprint(G)) != data.get("base_fingerprint"):
            raise CheckpointError(f"{path.name} was trained for another base model; train one for this base")
    encoder = Encoder(config)
    encoder.load_state_dict(data["state"])
    return encoder.to(device).eval().requires_grad_(False)
