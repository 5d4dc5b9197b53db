"""The original NVlabs StyleGAN2 TensorFlow pickles (`stylegan2-ffhq-config-f.pkl`, toonify blends).

The file is `pickle.dump((G, D, Gs))` of three `dnnlib.tflib.network.Network` objects. Each pickles
as a state dict: 'version' (4), 'name', 'static_kwargs' (constructor arguments), 'components'
(sub-networks: G has 'mapping' and 'synthesis'), 'build_module_src' / 'build_func_name' (source
code, never run here) and 'variables', a list of (name, NumPy array) pairs.

Variable names and layouts (from NVlabs' `training/networks_stylegan2.py`) and the conversion to
StyleGAN2-ADA-PyTorch names (documented by its `legacy.py`):
- conv weights are `[kh, kw, in, out]` -> `(out, in, kh, kw)`; the upsampling convolutions
  (`Conv0_up`) are also flipped spatially, because TensorFlow runs them as a transposed conv;
- dense weights are `[in, out]` -> `(out, in)`;
- the style bias `mod_bias` is stored without StyleGAN2's +1 (the PyTorch `affine.bias` has it);
- `noise{i}` `[1, 1, r, r]` are the constant noise inputs in layer order; `4x4/Const/const`
  `[1, C, 4, 4]`; `dlatent_avg` is w_avg.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import torch

from toonmoji.errors import CheckpointError
from toonmoji.gan.formats.common import Rename, SourceNetworks, apply_renames, as_tensor
from toonmoji.gan.safe_pickle import TFNetwork

FORMAT = "tf"
Tensor = torch.Tensor


def is_tf_pickle(data: object) -> bool:
    return isinstance(data, tuple) and len(data) == 3 and all(isinstance(n, TFNetwork) for n in data)


def _conv(t: Tensor) -> Tensor:
    return t.permute(3, 2, 0, 1).contiguous()


def _conv_flipped(t: Tensor) -> Tensor:
    return t.flip([0, 1]).permute(3, 2, 0, 1).contiguous()


def _dense(t: Tensor) -> Tensor:
    return t.t().contiguous()


def _plus_one(t: Tensor) -> Tensor:
    return t + 1


def _first(t: Tensor) -> Tensor:
    return t[0]


def _first2(t: Tensor) -> Tensor:
    return t[0, 0]


def _scalar(t: Tensor) -> Tensor:
    return t.reshape([])


def _resolutions(names: list[str], pattern: str) -> list[int]:
    found = {int(m.group(1)) for n in names if (m := re.match(pattern, n))}
    return sorted(found)


def _modconv(src: str, dst: str, noise: str, weight_fn: Callable[[Tensor], Tensor]) -> list[Rename]:
    return [
        Rename(f"{src}/weight", f"{dst}.weight", weight_fn),
        Rename(f"{src}/bias", f"{dst}.bias"),
        Rename(f"{src}/noise_strength", f"{dst}.noise_strength", _scalar),
        Rename(f"{src}/mod_weight", f"{dst}.affine.weight", _dense),
        Rename(f"{src}/mod_bias", f"{dst}.affine.bias", _plus_one),
        Rename(noise, f"{dst}.noise_const", _first2),
    ]


def _torgb(src: str, dst: str) -> list[Rename]:
    return [
        Rename(f"{src}/weight", f"{dst}.weight", _conv),
        Rename(f"{src}/bias", f"{dst}.bias"),
        Rename(f"{src}/mod_weight", f"{dst}.affine.weight", _dense),
        Rename(f"{src}/mod_bias", f"{dst}.affine.bias", _plus_one),
    ]


def generator_table(resolution: int, mapping_layers: int) -> list[Rename]:
    """(TF name -> toonmoji name) for a G / Gs network at `resolution`."""
    table = [Rename("dlatent_avg", "mapping.w_avg")]
    for i in range(mapping_layers):
        table += [
            Rename(f"mapping/Dense{i}/weight", f"mapping.fc{i}.weight", _dense),
            Rename(f"mapping/Dense{i}/bias", f"mapping.fc{i}.bias"),
        ]
    table.append(Rename("synthesis/4x4/Const/const", "synthesis.b4.const", _first))
    table += _modconv("synthesis/4x4/Conv", "synthesis.b4.conv1", "synthesis/noise0", _conv)
    table += _torgb("synthesis/4x4/ToRGB", "synthesis.b4.torgb")
    for log_r in range(3, int(math.log2(resolution)) + 1):
        r = 2**log_r
        src, dst = f"synthesis/{r}x{r}", f"synthesis.b{r}"
        table += _modconv(f"{src}/Conv0_up", f"{dst}.conv0", f"synthesis/noise{2 * log_r - 5}", _conv_flipped)
        table += _modconv(f"{src}/Conv1", f"{dst}.conv1", f"synthesis/noise{2 * log_r - 4}", _conv)
        table += _torgb(f"{src}/ToRGB", f"{dst}.torgb")
    return table


def discriminator_table(resolution: int) -> list[Rename]:
    """(TF name -> toonmoji name) for the ResNet D at `resolution`."""
    r0 = resolution
    table = [
        Rename(f"{r0}x{r0}/FromRGB/weight", f"b{r0}.fromrgb.weight", _conv),
        Rename(f"{r0}x{r0}/FromRGB/bias", f"b{r0}.fromrgb.bias"),
    ]
    for log_r in range(int(math.log2(resolution)), 2, -1):
        r = 2**log_r
        table += [
            Rename(f"{r}x{r}/Conv0/weight", f"b{r}.conv0.weight", _conv),
            Rename(f"{r}x{r}/Conv0/bias", f"b{r}.conv0.bias"),
            Rename(f"{r}x{r}/Conv1_down/weight", f"b{r}.conv1.weight", _conv),
            Rename(f"{r}x{r}/Conv1_down/bias", f"b{r}.conv1.bias"),
            Rename(f"{r}x{r}/Skip/weight", f"b{r}.skip.weight", _conv),
        ]
    table += [
        Rename("4x4/Conv/weight", "b4.conv.weight", _conv),
        Rename("4x4/Conv/bias", "b4.conv.bias"),
        Rename("4x4/Dense0/weight", "b4.fc.weight", _dense),
        Rename("4x4/Dense0/bias", "b4.fc.bias"),
        Rename("Output/weight", "b4.out.weight", _dense),
        Rename("Output/bias", "b4.out.bias"),
    ]
    return table


def _kwargs(net: TFNetwork) -> dict:
    kwargs = dict(net.static_kwargs)
    for comp in (net.state.get("components") or {}).values():
        if isinstance(comp, TFNetwork):
            kwargs = {**comp.static_kwargs, **kwargs}
    return kwargs


def _check(kwargs: dict, key: str, default: object, what: str) -> None:
    value = kwargs.get(key, default)
    if isinstance(default, list) and value is not None:
        value = list(value)
    if value != default:
        raise CheckpointError(f"{what} has {key}={value!r}; only {default!r} (StyleGAN2 config-F) is supported")


def _variables(net: TFNetwork, what: str) -> dict[str, Tensor]:
    version = net.state.get("version")
    if not isinstance(version, int) or version < 4:
        raise CheckpointError(f"{what} is a TensorFlow network pickle version {version!r} (StyleGAN1?); "
                              "only StyleGAN2 (version 4) is supported")
    return {k: as_tensor(v, f"{what} {k}") for k, v in net.variables().items()}


def _ignored(name: str) -> bool:
    return name == "lod" or name.endswith("/lod")


def _read_generator(net: TFNetwork, what: str) -> tuple[dict[str, Tensor], dict]:
    kwargs = _kwargs(net)
    _check(kwargs, "label_size", 0, what)
    _check(kwargs, "architecture", "skip", what)
    _check(kwargs, "resample_kernel", [1, 3, 3, 1], what)
    _check(kwargs, "nonlinearity", "lrelu", what)
    _check(kwargs, "mapping_nonlinearity", "lrelu", what)
    variables = _variables(net, what)
    names = list(variables)
    if any(re.match(r"synthesis/ToRGB_lod\d+/", n) for n in names):
        raise CheckpointError(f"{what} uses the progressive-growing layout (StyleGAN1 / config A-D); unsupported")
    resolutions = _resolutions(names, r"synthesis/(\d+)x\d+/")
    mapping_layers = len(_resolutions(names, r"mapping/Dense(\d+)/weight"))
    if not resolutions or not mapping_layers:
        raise CheckpointError(f"{what} has no StyleGAN2 mapping/synthesis variables (found: {', '.join(names[:4])})")
    table = generator_table(max(resolutions), mapping_layers)
    state = apply_renames(variables, table, what, ignore=_ignored)
    hints: dict = {"mapping_lr": float(kwargs.get("mapping_lrmul", 0.01))}
    if kwargs.get("dlatent_avg_beta") is not None:
        hints["w_avg_beta"] = float(kwargs["dlatent_avg_beta"])
    if kwargs.get("conv_clamp") is not None:
        hints["conv_clamp"] = float(kwargs["conv_clamp"])
    return state, hints


def _read_discriminator(net: TFNetwork, what: str) -> tuple[dict[str, Tensor], dict]:
    kwargs = _kwargs(net)
    _check(kwargs, "label_size", 0, what)
    _check(kwargs, "architecture", "resnet", what)
    _check(kwargs, "resample_kernel", [1, 3, 3, 1], what)
    _check(kwargs, "nonlinearity", "lrelu", what)
    variables = _variables(net, what)
    resolutions = _resolutions(list(variables), r"(\d+)x\d+/FromRGB/")
    if len(resolutions) != 1:
        raise CheckpointError(f"{what} is not a ResNet StyleGAN2 discriminator (FromRGB at {resolutions or 'no'} resolutions)")
    state = apply_renames(variables, discriminator_table(resolutions[0]), what, ignore=_ignored)
    hints: dict = {
        "mbstd_group_size": int(kwargs.get("mbstd_group_size", 4)),
        "mbstd_num_channels": int(kwargs.get("mbstd_num_features", 1)),
    }
    if kwargs.get("conv_clamp") is not None:
        hints["conv_clamp"] = float(kwargs["conv_clamp"])
    return state, hints


def read_tf(data: tuple, name: str) -> SourceNetworks:
    """Turn an unpickled (G, D, Gs) TensorFlow tuple into SourceNetworks."""
    tf_g, tf_d, tf_gs = data
    g_ema, g_hints = _read_generator(tf_gs, f"Gs in {name}")
    g, _ = _read_generator(tf_g, f"G in {name}")
    d, d_hints = _read_discriminator(tf_d, f"D in {name}")
    return SourceNetworks(FORMAT, {"G_ema": g_ema, "G": g}, d, g_hints, d_hints)
