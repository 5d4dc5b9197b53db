"""Load every StyleGAN2 checkpoint format people have into toonmoji networks; save our own.

Supported inputs (detected from the file's contents, not its name):
- `toonmoji`: our format, `torch.save` of a plain dict (see `save_checkpoint`);
- `ada-pytorch`: NVlabs StyleGAN2-ADA-PyTorch network pickles (`ffhq.pkl`, snapshots);
- `tf`: NVlabs StyleGAN2 TensorFlow pickles (`stylegan2-ffhq-config-f.pkl`, toonify blends);
- `rosinality`: rosinality/stylegan2-pytorch `.pt` files.

Nothing in a file is executed: pickles go through `safe_pickle.SafeUnpickler`, torch files through
`torch.load(weights_only=True)`. The architecture is inferred from the tensors (resolution,
channels, mapping depth) plus the file's metadata, every tensor is mapped by name, and a file that
does not fit raises one CheckpointError line naming the missing / unexpected / mis-shaped tensors.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode

from toonmoji.errors import CheckpointError, InputError
from toonmoji.gan.formats.ada import is_ada_pickle, read_ada
from toonmoji.gan.formats.common import SourceNetworks, name_list, shape_str
from toonmoji.gan.formats.rosinality import is_rosinality, read_rosinality
from toonmoji.gan.formats.tf import is_tf_pickle, read_tf
from toonmoji.gan.networks import (
    Discriminator,
    DiscriminatorConfig,
    Generator,
    GeneratorConfig,
    channels_at,
    check_resolution,
)
from toonmoji.gan.safe_pickle import safe_load_pickle
from toonmoji.imageio import atomic_path, check_writable, require_file

NATIVE_FORMAT = "toonmoji-stylegan2"
NATIVE_VERSION = 1
FORMAT_NAMES = {
    "toonmoji": "toonmoji StyleGAN2 checkpoint",
    "ada-pytorch": "NVlabs StyleGAN2-ADA PyTorch pickle",
    "tf": "NVlabs StyleGAN2 TensorFlow pickle",
    "rosinality": "rosinality stylegan2-pytorch checkpoint",
}
_ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
W_AVG_SAMPLES = 10_000


@dataclass
class GanCheckpoint:
    """Networks loaded from one file. `G_ema` (the averaged generator) is what you sample from;
    `G` and `D` are present when the file has them (needed to fine-tune)."""

    path: Path
    format: str
    G_ema: Generator
    G: Generator | None = None
    D: Discriminator | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def config(self) -> GeneratorConfig:
        return self.G_ema.config


# ---------------------------------------------------------------------------------------------
# Reading files


def _torch_load(path: Path) -> object:
    """torch.load without running code; argparse.Namespace (rosinality's 'args') is allowed.

    Not memory-mapped (it would save about 0.2 s on a 350 MB base file): a long-running `serve`
    would crash (SIGBUS) if someone overwrote a mapped checkpoint in place."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.serialization.safe_globals([argparse.Namespace]):
                return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line for the user
        text = str(exc)
        refused = re.search(r"GLOBAL ([\w.]+)", text)
        if refused:
            raise CheckpointError(
                f"{path}: refused: the file asks to run {refused.group(1)}, which a network "
                "checkpoint never needs (unsafe or unsupported file); nothing was run"
            ) from None
        first = next((line for line in text.splitlines() if line.strip()), type(exc).__name__)
        first = first.strip().split(". ")[0].rstrip(".")  # torch appends paragraphs of advice
        raise CheckpointError(f"truncated or corrupt checkpoint {path}: {first}") from None


def read_source(path: str | os.PathLike[str]) -> SourceNetworks:
    """Read any supported file into SourceNetworks (renamed tensors + metadata), safely."""
    p = require_file(path)
    with open(p, "rb") as f:
        head = f.read(len(_LEGACY_TORCH_MAGIC))
        f.seek(0)
        if head.startswith(_ZIP_MAGIC) or head == _LEGACY_TORCH_MAGIC:
            data = _torch_load(p)
        elif head[:1] == b"\x80":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = safe_load_pickle(f, str(p))
        else:
            raise CheckpointError(f"{p} is not a StyleGAN2 checkpoint (not a pickle or PyTorch file)")
    if isinstance(data, dict) and data.get("format") == NATIVE_FORMAT:
        return _read_native(data, p.name)
    if is_ada_pickle(data):
        return read_ada(data, p.name)
    if is_tf_pickle(data):
        return read_tf(data, p.name)
    if is_rosinality(data):
        return read_rosinality(data, p.name)
    found = ", ".join(map(str, list(data)[:6])) if isinstance(data, dict) else type(data).__name__
    raise CheckpointError(
        f"{p} holds no StyleGAN2 networks in a known format (found: {found}); expected an "
        "ada-pytorch pickle (G, D, G_ema), a TensorFlow pickle (G, D, Gs), a rosinality .pt "
        "(g_ema) or a toonmoji checkpoint"
    )


def _tensor_dict(value: object, what: str) -> dict[str, torch.Tensor]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items()
    ):
        raise CheckpointError(f"{what} is not a state dict of tensors")
    return value


def _read_native(data: dict, name: str) -> SourceNetworks:
    version = data.get("version")
    if version != NATIVE_VERSION:
        raise CheckpointError(f"{name} is toonmoji checkpoint version {version!r}; this toonmoji reads {NATIVE_VERSION}")
    config = data.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("generator"), dict):
        raise CheckpointError(f"{name} has no generator config")
    generators = {
        role: _tensor_dict(data[role], f"{role} in {name}") for role in ("G_ema", "G") if data.get(role) is not None
    }
    disc = _tensor_dict(data["D"], f"D in {name}") if data.get("D") is not None else None
    d_config = config.get("discriminator")
    return SourceNetworks(
        "toonmoji", generators, disc, notes=[str(n) for n in data.get("notes") or []],
        g_config=dict(config["generator"]), d_config=dict(d_config) if isinstance(d_config, dict) else None,
    )


def _stored_config(cls: type, stored: dict, what: str):
    try:
        return cls.from_dict(stored)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{what} has an invalid stored config: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Building networks from state dicts


def infer_channel_rule(channels: dict[int, int], what: str) -> tuple[int, int]:
    """(channel_base, channel_max) with `min(base // res, max)` == channels[res] for every res."""
    cmax = max(channels.values())
    below = [r for r in sorted(channels) if channels[r] < cmax]
    base = channels[below[0]] * below[0] if below else cmax * max(channels)
    if any(channels_at(r, base, cmax) != c for r, c in channels.items()):
        layout = ", ".join(f"{r}: {c}" for r, c in sorted(channels.items()))
        raise CheckpointError(f"{what} has channel counts ({layout}) that do not follow min(base // resolution, max)")
    return base, cmax


def _need(sd: dict, name: str, what: str) -> torch.Tensor:
    if name not in sd:
        raise CheckpointError(f"{what} is not a StyleGAN2 generator/discriminator: missing tensor {name}")
    return sd[name]


def _resolution_of(sd: dict, pattern: str, example: str, what: str) -> int:
    found = [int(m.group(1)) for k in sd if (m := re.fullmatch(pattern, k))]
    if not found:
        raise CheckpointError(f"{what} is not a StyleGAN2 generator/discriminator: missing tensor {example}")
    try:
        return check_resolution(max(found))
    except ValueError as exc:
        raise CheckpointError(f"{what}: {exc}") from None


def infer_generator_config(sd: dict[str, torch.Tensor], hints: dict, what: str) -> GeneratorConfig:
    """The GeneratorConfig whose network has exactly the tensors in `sd` (toonmoji names)."""
    layers = sorted(int(m.group(1)) for k in sd if (m := re.fullmatch(r"mapping\.fc(\d+)\.weight", k)))
    fc0 = _need(sd, "mapping.fc0.weight", what)
    resolution = _resolution_of(sd, r"synthesis\.b(\d+)\.conv1\.weight", "synthesis.b4.conv1.weight", what)
    last = _need(sd, f"mapping.fc{len(layers) - 1}.weight", what)
    torgb = _need(sd, f"synthesis.b{resolution}.torgb.weight", what)
    channels = {
        2**i: int(_need(sd, f"synthesis.b{2**i}.conv1.weight", what).shape[0])
        for i in range(2, int(math.log2(resolution)) + 1)
    }
    base, cmax = infer_channel_rule(channels, what)
    w_dim = int(last.shape[0])
    hidden = int(fc0.shape[0]) if len(layers) > 1 else None
    known = {
        "resolution": resolution, "z_dim": int(fc0.shape[1]), "w_dim": w_dim,
        "img_channels": int(torgb.shape[0]), "channel_base": base, "channel_max": cmax,
        "mapping_layers": len(layers), "mapping_features": None if hidden == w_dim else hidden,
    }
    return GeneratorConfig(**{**known, **{k: v for k, v in hints.items() if k not in known}})


def infer_discriminator_config(sd: dict[str, torch.Tensor], hints: dict, what: str) -> DiscriminatorConfig:
    """The DiscriminatorConfig whose network has exactly the tensors in `sd` (toonmoji names)."""
    resolution = _resolution_of(sd, r"b(\d+)\.fromrgb\.weight", "b<resolution>.fromrgb.weight", what)
    fromrgb = _need(sd, f"b{resolution}.fromrgb.weight", what)
    conv = _need(sd, "b4.conv.weight", what)
    channels = {4: int(conv.shape[0])}
    for i in range(3, int(math.log2(resolution)) + 1):
        channels[2**i] = int(_need(sd, f"b{2**i}.conv0.weight", what).shape[0])
    base, cmax = infer_channel_rule(channels, what)
    known = {
        "resolution": resolution, "img_channels": int(fromrgb.shape[1]), "channel_base": base,
        "channel_max": cmax, "mbstd_num_channels": int(conv.shape[1]) - channels[4],
    }
    return DiscriminatorConfig(**{**known, **{k: v for k, v in hints.items() if k not in known}})


def load_state_checked(module: torch.nn.Module, sd: dict[str, torch.Tensor], what: str) -> None:
    """load_state_dict, but a mismatch is one line naming missing/unexpected/mis-shaped tensors.

    The tensors of `sd` become the module's own (float32 ones are not copied): pass tensors that
    nothing else will change, as read from a file."""
    expected = module.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    wrong = [k for k in expected if k in sd and tuple(sd[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing tensors: {name_list(missing, expected)}")
        if unexpected:
            parts.append(f"unexpected tensors: {name_list(unexpected, sd)}")
        if wrong:
            shown = ", ".join(f"{k} {shape_str(sd[k])} (expected {shape_str(expected[k])})" for k in wrong[:3])
            more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
            parts.append(f"wrong shapes: {shown}{more}")
        raise CheckpointError(f"{what} does not fit the network: " + "; ".join(parts))
    with torch.no_grad():
        # assign: the tensors read from the file become the module's, no second copy
        module.load_state_dict({k: v.to(torch.float32).contiguous() for k, v in sd.items()}, assign=True)


def _unshare(src: SourceNetworks) -> None:
    """Clone every tensor whose memory an earlier one already uses: a file may store G and G_ema
    as the same tensors, and networks built from them must not share weights."""
    seen: set[int] = set()

    def own(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = {}
        for k, v in sd.items():
            ptr = v.untyped_storage().data_ptr()
            out[k] = v.clone() if ptr in seen else v
            seen.add(ptr)
        return out

    src.generators = {role: own(sd) for role, sd in src.generators.items()}
    if src.discriminator is not None:
        src.discriminator = own(src.discriminator)


class _NoRandomInit(TorchFunctionMode):
    """Networks built inside draw no random initial weights (`torch.randn` gives zeros): every
    parameter and buffer is about to come from a file, and drawing 30 M numbers per config-F
    network costs a noticeable part of a second. `load_state_checked` refuses a state dict that
    leaves any of them out, so none keeps its placeholder."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is torch.randn:
            return torch.zeros(*args, **(kwargs or {}))
        return func(*args, **(kwargs or {}))


@torch.no_grad()
def estimate_w_avg(G: Generator, samples: int = W_AVG_SAMPLES, seed: int = 0) -> torch.Tensor:
    """Mean of w over `samples` random z (for files that do not store it): `(w_dim,)`."""
    gen = torch.Generator().manual_seed(seed)
    device = G.mapping.w_avg.device
    total = torch.zeros(G.w_dim, dtype=torch.float64, device=device)
    done = 0
    while done < samples:
        n = min(1000, samples - done)
        z = torch.randn([n, G.z_dim], generator=gen).to(device)
        total += G.mapping(z)[:, 0].sum(dim=0).double()
        done += n
    return (total / samples).float()


def build_generator(sd: dict[str, torch.Tensor], hints: dict, what: str, has_w_avg: bool = True,
                    device: torch.device | str = "cpu", stored_config: dict | None = None) -> Generator:
    """A Generator with exactly the tensors of `sd`; computes w_avg when the file lacks it.

    The architecture is `stored_config` when the file has one, else inferred from the shapes.
    """
    sd = dict(sd)
    if stored_config is not None:
        config = _stored_config(GeneratorConfig, stored_config, what)
    else:
        config = infer_generator_config(sd, hints, what)
    with _NoRandomInit():
        G = Generator(config)
    if not has_w_avg:
        sd["mapping.w_avg"] = G.mapping.w_avg.clone()
    load_state_checked(G, sd, what)
    G = G.to(device).eval()
    if not has_w_avg:
        G.mapping.w_avg.copy_(estimate_w_avg(G))
    return G


def build_discriminator(sd: dict[str, torch.Tensor], hints: dict, what: str,
                        device: torch.device | str = "cpu", stored_config: dict | None = None) -> Discriminator:
    """A Discriminator with exactly the tensors of `sd` (architecture stored or inferred)."""
    if stored_config is not None:
        config = _stored_config(DiscriminatorConfig, stored_config, what)
    else:
        config = infer_discriminator_config(sd, hints, what)
    with _NoRandomInit():
        D = Discriminator(config)
    load_state_checked(D, sd, what)
    return D.to(device).eval()


def load_checkpoint(
    path: str | os.PathLike[str],
    device: torch.device | str = "cpu",
    roles: tuple[str, ...] = ("G_ema", "G", "D"),
) -> GanCheckpoint:
    """Load any supported checkpoint. `roles` limits which networks are built (G_ema always is).

    Raises CheckpointError (one line) for unsafe, corrupt, truncated or non-StyleGAN2 files.
    """
    src = read_source(path)
    _unshare(src)
    name = Path(path).name
    if "G_ema" not in src.generators:
        found = ", ".join(src.generators) or ("D only" if src.discriminator is not None else "nothing")
        raise CheckpointError(f"{name} has no generator to sample from (found: {found})")
    notes = list(src.notes)
    if not src.has_w_avg:
        notes.append(f"the file stores no average w; estimated from {W_AVG_SAMPLES} samples")
    g_ema = build_generator(
        src.generators["G_ema"], src.g_hints, f"G_ema of {name}", src.has_w_avg, device, src.g_config
    )
    g = None
    if "G" in roles and "G" in src.generators:
        g = build_generator(src.generators["G"], src.g_hints, f"G of {name}", src.has_w_avg, device, src.g_config)
    d = None
    if "D" in roles and src.discriminator is not None:
        d = build_discriminator(src.discriminator, src.d_hints, f"D of {name}", device, src.d_config)
    return GanCheckpoint(Path(path), src.format, g_ema, g, d, notes)


def load_generator(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> Generator:
    """The averaged generator (G_ema / Gs / g_ema) of any supported checkpoint, in eval mode."""
    return load_checkpoint(path, device, roles=("G_ema",)).G_ema


# ---------------------------------------------------------------------------------------------
# Our format


def checkpoint_dict(
    G_ema: Generator,
    G: Generator | None = None,
    D: Discriminator | None = None,
    notes: list[str] | None = None,
) -> dict:
    """The dict `save_checkpoint` writes: plain tensors, strings and numbers only."""

    def cpu_state(m: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().to("cpu", torch.float32).clone() for k, v in m.state_dict().items()}

    if G is not None and G.config != G_ema.config:
        raise ValueError("G and G_ema must have the same architecture")
    return {
        "format": NATIVE_FORMAT,
        "version": NATIVE_VERSION,
        "config": {
            "generator": G_ema.config.to_dict(),
            "discriminator": D.config.to_dict() if D is not None else None,
        },
        "G_ema": cpu_state(G_ema),
        "G": cpu_state(G) if G is not None else None,
        "D": cpu_state(D) if D is not None else None,
        "w_avg": G_ema.mapping.w_avg.detach().to("cpu", torch.float32).clone(),  # for other tools
        "notes": list(notes or []),
    }


def save_checkpoint(
    path: str | os.PathLike[str],
    G_ema: Generator,
    G: Generator | None = None,
    D: Discriminator | None = None,
    force: bool = False,
    notes: list[str] | None = None,
) -> Path:
    """Write a toonmoji checkpoint atomically (readable with `torch.load(weights_only=True)`)."""
    check_writable(path, force)
    data = checkpoint_dict(G_ema, G, D, notes)
    with atomic_path(path, force=force) as tmp:
        torch.save(data, tmp)
    return Path(path)


def convert_checkpoint(
    source: str | os.PathLike[str], dest: str | os.PathLike[str], force: bool = False
) -> GanCheckpoint:
    """Load any supported file and save it in toonmoji's format (all networks it has)."""
    if Path(source).resolve() == Path(dest).resolve():
        raise InputError("input and output are the same file")
    check_writable(dest, force)
    ckpt = load_checkpoint(source)
    notes = [f"converted from {FORMAT_NAMES[ckpt.format]} {Path(source).name}", *ckpt.notes]
    save_checkpoint(dest, ckpt.G_ema, ckpt.G, ckpt.D, force=force, notes=notes)
    return ckpt
