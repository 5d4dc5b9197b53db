"""rosinality/stylegan2-pytorch checkpoints (`stylegan2-ffhq-config-f.pt`, `550000.pt`, ...).

The file is `torch.save` of a dict: 'g_ema' (always), 'latent_avg' (files converted from
TensorFlow), and from training also 'g', 'd', 'g_optim', 'd_optim', 'args' (an
argparse.Namespace), 'ada_aug_p'. The networks are plain state dicts of rosinality's `model.py`:
- mapping: `style.{1..n_mlp}.weight/bias` (`style.0` is the parameter-free PixelNorm);
- `input.input` `(1, C, 4, 4)`; `conv1.*` and `to_rgb1.*` at 4x4; `convs.{2j}` (upsampling) and
  `convs.{2j+1}` and `to_rgbs.{j}` for the j-th doubling; `noises.noise_{i}` `(1, 1, r, r)`;
- a styled conv is `conv.weight (1, O, I, 3, 3)`, `conv.modulation.weight/bias`,
  `noise.weight (1,)`, `activate.bias (O,)`; ToRGB `bias` is `(1, 3, 1, 1)`;
- blur kernels are stored as buffers (`*.blur.kernel`, `*.upsample.kernel`);
- discriminator: `convs.0` FromRGB, `convs.{i}.conv1/conv2/skip` residual blocks (Sequential
  indices: 0 = blur when downsampling, then conv weight, then the fused-lrelu bias),
  `final_conv`, `final_linear.0/1`.
Weights use the same equalized-lr convention and flipped upsampling kernels as StyleGAN2-ADA, so
conversion is renaming and squeezing.
"""

from __future__ import annotations

import math
import re

import torch

from toonmoji.errors import CheckpointError
from toonmoji.gan.formats.common import (
    Rename,
    SourceNetworks,
    apply_renames,
    as_tensor,
    check_blur_kernel,
)

FORMAT = "rosinality"
Tensor = torch.Tensor
ROLES = {"g_ema": "G_ema", "g": "G"}


def is_rosinality(data: object) -> bool:
    return isinstance(data, dict) and any(isinstance(data.get(k), dict) for k in ("g_ema", "g", "d"))


def _first(t: Tensor) -> Tensor:
    return t[0]


def _first2(t: Tensor) -> Tensor:
    return t[0, 0]


def _flat(t: Tensor) -> Tensor:
    return t.reshape(-1)


def _scalar(t: Tensor) -> Tensor:
    return t.reshape([])


def _styled_conv(src: str, dst: str, noise: str) -> list[Rename]:
    return [
        Rename(f"{src}.conv.weight", f"{dst}.weight", _first),
        Rename(f"{src}.conv.modulation.weight", f"{dst}.affine.weight"),
        Rename(f"{src}.conv.modulation.bias", f"{dst}.affine.bias"),
        Rename(f"{src}.noise.weight", f"{dst}.noise_strength", _scalar),
        Rename(f"{src}.activate.bias", f"{dst}.bias"),
        Rename(noise, f"{dst}.noise_const", _first2),
    ]


def _to_rgb(src: str, dst: str) -> list[Rename]:
    return [
        Rename(f"{src}.conv.weight", f"{dst}.weight", _first),
        Rename(f"{src}.conv.modulation.weight", f"{dst}.affine.weight"),
        Rename(f"{src}.conv.modulation.bias", f"{dst}.affine.bias"),
        Rename(f"{src}.bias", f"{dst}.bias", _flat),
    ]


def generator_table(resolution: int, n_mlp: int) -> list[Rename]:
    """(rosinality name -> toonmoji name) for a generator at `resolution`."""
    table = []
    for i in range(n_mlp):
        table += [
            Rename(f"style.{i + 1}.weight", f"mapping.fc{i}.weight"),
            Rename(f"style.{i + 1}.bias", f"mapping.fc{i}.bias"),
        ]
    table.append(Rename("input.input", "synthesis.b4.const", _first))
    table += _styled_conv("conv1", "synthesis.b4.conv1", "noises.noise_0")
    table += _to_rgb("to_rgb1", "synthesis.b4.torgb")
    for j in range(int(math.log2(resolution)) - 2):
        r = 2 ** (j + 3)
        table += _styled_conv(f"convs.{2 * j}", f"synthesis.b{r}.conv0", f"noises.noise_{2 * j + 1}")
        table += _styled_conv(f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1", f"noises.noise_{2 * j + 2}")
        table += _to_rgb(f"to_rgbs.{j}", f"synthesis.b{r}.torgb")
    return table


def discriminator_table(resolution: int) -> list[Rename]:
    """(rosinality name -> toonmoji name) for the discriminator at `resolution`."""
    table = [
        Rename("convs.0.0.weight", f"b{resolution}.fromrgb.weight"),
        Rename("convs.0.1.bias", f"b{resolution}.fromrgb.bias"),
    ]
    for i in range(1, int(math.log2(resolution)) - 1):
        r = resolution // 2 ** (i - 1)
        table += [
            Rename(f"convs.{i}.conv1.0.weight", f"b{r}.conv0.weight"),
            Rename(f"convs.{i}.conv1.1.bias", f"b{r}.conv0.bias"),
            Rename(f"convs.{i}.conv2.1.weight", f"b{r}.conv1.weight"),
            Rename(f"convs.{i}.conv2.2.bias", f"b{r}.conv1.bias"),
            Rename(f"convs.{i}.skip.1.weight", f"b{r}.skip.weight"),
        ]
    table += [
        Rename("final_conv.0.weight", "b4.conv.weight"),
        Rename("final_conv.1.bias", "b4.conv.bias"),
        Rename("final_linear.0.weight", "b4.fc.weight"),
        Rename("final_linear.0.bias", "b4.fc.bias"),
        Rename("final_linear.1.weight", "b4.out.weight"),
        Rename("final_linear.1.bias", "b4.out.bias"),
    ]
    return table


def _count(names: list[str], pattern: str) -> int:
    return len({m.group(1) for n in names if (m := re.fullmatch(pattern, n))})


def _state(data: dict, key: str, what: str) -> dict[str, Tensor]:
    sd = data[key]
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in sd.items()):
        raise CheckpointError(f"{what} is not a state dict of tensors")
    if sd and all(k.startswith("module.") for k in sd):  # saved from DataParallel
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return {k: as_tensor(v, f"{what} {k}") for k, v in sd.items()}


def _is_generator_kernel(name: str) -> bool:
    return name.endswith((".blur.kernel", ".upsample.kernel"))


def _read_generator(sd: dict[str, Tensor], what: str) -> dict[str, Tensor]:
    names = list(sd)
    n_up = _count(names, r"to_rgbs\.(\d+)\.conv\.weight")
    n_mlp = _count(names, r"style\.(\d+)\.weight")
    if n_mlp == 0 or "input.input" not in sd:
        raise CheckpointError(
            f"{what} is not a rosinality generator: missing tensors style.1.weight / input.input "
            f"(found {', '.join(names[:4]) or 'nothing'})"
        )
    for name in names:
        if _is_generator_kernel(name):
            check_blur_kernel(sd[name], 4.0, f"{what} ({name})")
    return apply_renames(sd, generator_table(4 * 2**n_up, n_mlp), what, ignore=_is_generator_kernel)


def _read_discriminator(sd: dict[str, Tensor], what: str) -> dict[str, Tensor]:
    names = list(sd)
    n_blocks = _count(names, r"convs\.(\d+)\.conv1\.0\.weight")
    if n_blocks == 0 or "final_conv.0.weight" not in sd:
        raise CheckpointError(
            f"{what} is not a rosinality discriminator: missing tensors convs.1.conv1.0.weight / "
            f"final_conv.0.weight (found {', '.join(names[:4]) or 'nothing'})"
        )

    def is_kernel(name: str) -> bool:
        return bool(re.fullmatch(r"convs\.\d+\.(conv2|skip)\.0\.kernel", name))

    for name in names:
        if is_kernel(name):
            check_blur_kernel(sd[name], 1.0, f"{what} ({name})")
    return apply_renames(sd, discriminator_table(4 * 2**n_blocks), what, ignore=is_kernel)


def read_rosinality(data: dict, name: str) -> SourceNetworks:
    """Turn a loaded rosinality checkpoint dict into SourceNetworks."""
    generators: dict[str, dict[str, Tensor]] = {}
    notes: list[str] = []
    for key, role in ROLES.items():
        if isinstance(data.get(key), dict):
            generators[role] = _read_generator(_state(data, key, f"{key} in {name}"), f"{key} in {name}")
    if "G_ema" not in generators and "G" in generators:
        generators["G_ema"] = dict(generators["G"])
        notes.append("the file has no g_ema; its training generator g is used for sampling")
    has_w_avg = data.get("latent_avg") is not None
    if has_w_avg:
        w_avg = as_tensor(data["latent_avg"], f"latent_avg in {name}").reshape(-1)
        for sd in generators.values():
            sd["mapping.w_avg"] = w_avg
    disc = None
    if isinstance(data.get("d"), dict):
        disc = _read_discriminator(_state(data, "d", f"d in {name}"), f"d in {name}")
    g_hints: dict = {}
    args = data.get("args")
    if args is not None and getattr(args, "lr_mlp", None) is not None:
        g_hints["mapping_lr"] = float(args.lr_mlp)
    return SourceNetworks(FORMAT, generators, disc, g_hints, {}, notes, has_w_avg)
