"""Test fixtures: write a toonmoji network as each third-party checkpoint format, byte-faithfully.

Real StyleGAN2 files cannot be downloaded here, so the tests write their own, reproducing what
the public source of each project puts in its files:
- StyleGAN2-ADA-PyTorch (`torch_utils/persistence.py`, `training/networks.py`,
  `training/training_loop.py`): `pickle.dump` of {'G', 'D', 'G_ema', 'augment_pipe',
  'training_set_kwargs'}; every network pickles as
  `torch_utils.persistence._reconstruct_persistent_obj(meta)` with meta = {type, version,
  module_src, class_name, state}, state being the nn.Module `__dict__` (`_parameters`, `_buffers`
  incl. the 2-D `resample_filter`, `_modules`, hooks, plain attributes with NumPy float gains,
  `_init_args`, `_init_kwargs` holding `dnnlib.util.EasyDict`s). Tensors pickle the standard torch
  way (`torch._utils._rebuild_parameter` / `_rebuild_tensor_v2` / `torch.storage._load_from_bytes`).
- StyleGAN2 TensorFlow (`dnnlib/tflib/network.py`, `training/networks_stylegan2.py`):
  `pickle.dump((G, D, Gs), protocol=4)` of `dnnlib.tflib.network.Network` objects whose state is
  {version 4, name, static_kwargs, components, build_module_src, build_func_name, variables}; the
  variables are NumPy arrays in TF layouts (`[kh, kw, in, out]`, `[in, out]`, scalars as NumPy
  float32), pickled with NumPy 1.x's `numpy.core.multiarray` names.
- rosinality (`model.py`, `train.py`, `convert_weight.py`): `torch.save` of state dicts with
  rosinality's parameter names and shapes.

The stand-in functions and classes below are pickled under the real modules' names by
`FixturePickler`; nothing is registered in `sys.modules`, so loading these files with plain
`pickle` fails exactly like loading a real file without NVIDIA's code on the path.
"""

from __future__ import annotations

import argparse
import io
import math
import pickle
import types
from collections import OrderedDict
from typing import ClassVar

import numpy as np
import torch

from toonmoji.gan.networks import Discriminator, Generator

ADA_SOURCE = "# training/networks.py source text would be here; loaders must never execute it\n"
TF_SOURCE = "# training/networks_stylegan2.py source text would be here; never executed\n"


# ---------------------------------------------------------------------------------------------
# A pickler that writes chosen objects under other modules' names


def _reconstruct_persistent_obj(meta):  # pickled as torch_utils.persistence._reconstruct_persistent_obj
    raise AssertionError("fixture stand-in: never called")


class EasyDict(dict):  # pickled as dnnlib.util.EasyDict
    pass


class Network:  # pickled as dnnlib.tflib.network.Network
    def __init__(self, state: dict):
        self._state = state

    def __getstate__(self) -> dict:
        return self._state


def _numpy(name: str):
    from numpy._core import multiarray

    return getattr(multiarray, name)


ALIASES = {
    id(_reconstruct_persistent_obj): ("torch_utils.persistence", "_reconstruct_persistent_obj"),
    id(EasyDict): ("dnnlib.util", "EasyDict"),
    id(Network): ("dnnlib.tflib.network", "Network"),
    id(_numpy("_reconstruct")): ("numpy.core.multiarray", "_reconstruct"),  # as NumPy 1.x wrote
    id(_numpy("scalar")): ("numpy.core.multiarray", "scalar"),
}


class FixturePickler(pickle._Pickler):
    """Pure-Python pickler: aliased globals, and nn.Modules reduced like persistence objects.

    `overrides` maps a class name to constructor kwargs to record instead of the real ones.
    """

    def __init__(self, file, protocol: int, overrides: dict | None = None):
        super().__init__(file, protocol=protocol)
        self.overrides = overrides or {}

    def save_global(self, obj, name=None):
        alias = ALIASES.get(id(obj))
        if alias is None:
            return super().save_global(obj, name)
        module, qualname = alias
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode())
        self.memoize(obj)

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)  # plain functions are dispatched, not looked up
    dispatch[types.FunctionType] = save_global

    def reducer_override(self, obj):
        if isinstance(obj, torch.nn.Module):
            return _reconstruct_persistent_obj, (_ada_meta(obj, self.overrides),), None
        return NotImplemented


def dumps(obj, protocol: int = 4, overrides: dict | None = None) -> bytes:
    buf = io.BytesIO()
    FixturePickler(buf, protocol, overrides).dump(obj)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# StyleGAN2-ADA-PyTorch


def _filter2d() -> torch.Tensor:
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    return torch.outer(f, f) / f.sum() ** 2


class AugmentPipe(torch.nn.Module):
    """Stands in for StyleGAN2-ADA's augmentation pipeline (also a persistent object)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("p", torch.zeros([]))


_HAS_FILTER = {"SynthesisLayer", "SynthesisBlock", "Conv2dLayer", "DiscriminatorBlock"}


def _ada_attributes(m: torch.nn.Module, cls: str) -> tuple[tuple, dict, dict]:
    """(_init_args, _init_kwargs, plain attributes) as StyleGAN2-ADA's constructors record them."""
    f64 = np.float64
    if cls == "AugmentPipe":
        return (), {"xflip": 1, "rotate90": 1}, {"xflip": 1.0}
    if cls == "FullyConnectedLayer":
        out_f, in_f = m.weight.shape
        kw = {"activation": m.activation, "lr_multiplier": m.bias_gain}
        return (int(in_f), int(out_f)), kw, {
            "activation": m.activation, "weight_gain": f64(m.weight_gain), "bias_gain": m.bias_gain,
        }
    if cls == "Conv2dLayer":
        o, i, k, _ = m.weight.shape
        kw = {"kernel_size": int(k), "activation": m.activation, "down": 2 if m.down else 1,
              "bias": m.bias is not None, "conv_clamp": m.conv_clamp}
        return (int(i), int(o)), kw, {
            "activation": m.activation, "up": 1, "down": 2 if m.down else 1, "conv_clamp": m.conv_clamp,
            "padding": int(k) // 2, "weight_gain": f64(m.weight_gain),
            "act_gain": f64(math.sqrt(2)) if m.activation == "lrelu" else 1,
        }
    if cls == "SynthesisLayer":
        o, i = m.weight.shape[:2]
        kw = {"w_dim": m.affine.weight.shape[1], "resolution": m.resolution, "up": 2 if m.up else 1,
              "conv_clamp": m.conv_clamp, "channels_last": False}
        return (int(i), int(o)), kw, {
            "resolution": m.resolution, "up": 2 if m.up else 1, "use_noise": True, "activation": "lrelu",
            "conv_clamp": m.conv_clamp, "padding": 1, "act_gain": f64(math.sqrt(2)),
        }
    if cls == "ToRGBLayer":
        o, i = m.weight.shape[:2]
        return (int(i), int(o)), {"w_dim": m.affine.weight.shape[1], "conv_clamp": m.conv_clamp}, {
            "conv_clamp": m.conv_clamp, "weight_gain": f64(m.weight_gain),
        }
    if cls == "MappingNetwork":
        kw = {"z_dim": m.z_dim, "c_dim": 0, "w_dim": m.w_dim, "num_ws": m.num_ws, "num_layers": m.num_layers,
              "lr_multiplier": m.fc0.bias_gain}
        return (), kw, {k: kw[k] for k in ("z_dim", "c_dim", "w_dim", "num_ws", "num_layers")} | {
            "w_avg_beta": m.w_avg_beta
        }
    if cls == "SynthesisBlock":
        res = m.resolution
        return (m.in_channels, m.conv1.weight.shape[0]), {"resolution": res, "is_last": False}, {
            "in_channels": m.in_channels, "resolution": res, "architecture": "skip", "use_fp16": False,
            "channels_last": False, "num_conv": m.num_conv, "num_torgb": 1,
        }
    if cls == "SynthesisNetwork":
        return (), {"w_dim": m.w_dim, "img_resolution": m.resolution}, {
            "w_dim": m.w_dim, "img_resolution": m.resolution, "img_resolution_log2": int(math.log2(m.resolution)),
            "block_resolutions": list(m.block_resolutions), "num_ws": m.num_ws,
        }
    if cls == "Generator":
        c = m.config
        kw = {
            "z_dim": c.z_dim, "w_dim": c.w_dim,
            "mapping_kwargs": EasyDict(num_layers=c.mapping_layers, lr_multiplier=c.mapping_lr),
            "synthesis_kwargs": EasyDict(
                channel_base=c.channel_base, channel_max=c.channel_max, num_fp16_res=4, conv_clamp=c.conv_clamp
            ),
            "c_dim": 0, "img_resolution": c.resolution, "img_channels": c.img_channels,
        }
        return (), kw, {"z_dim": c.z_dim, "c_dim": 0, "w_dim": c.w_dim, "img_resolution": c.resolution,
                        "img_channels": c.img_channels, "num_ws": m.num_ws}
    if cls == "DiscriminatorBlock":
        return (), {"in_channels": m.in_channels}, {"in_channels": m.in_channels, "architecture": "resnet",
                                                    "use_fp16": False, "channels_last": False, "num_layers": 4}
    if cls == "MinibatchStdLayer":
        return (), {"group_size": m.group_size, "num_channels": m.num_channels}, {
            "group_size": m.group_size, "num_channels": m.num_channels,
        }
    if cls == "DiscriminatorEpilogue":
        c = int(m.fc.weight.shape[0])
        return (c,), {"cmap_dim": 0, "resolution": 4, "img_channels": 3}, {
            "in_channels": c, "cmap_dim": 0, "resolution": 4, "architecture": "resnet",
        }
    if cls == "Discriminator":
        c = m.config
        kw = {
            "c_dim": 0, "img_resolution": c.resolution, "img_channels": c.img_channels,
            "architecture": "resnet", "channel_base": c.channel_base, "channel_max": c.channel_max,
            "num_fp16_res": 4, "conv_clamp": c.conv_clamp,
            "block_kwargs": EasyDict(), "mapping_kwargs": EasyDict(),
            "epilogue_kwargs": EasyDict(mbstd_group_size=c.mbstd_group_size),
        }
        return (), kw, {"c_dim": 0, "img_resolution": c.resolution, "img_channels": c.img_channels,
                        "block_resolutions": list(m.block_resolutions)}
    raise AssertionError(f"no StyleGAN2-ADA counterpart for {cls}")


def _ada_meta(m: torch.nn.Module, overrides: dict) -> dict:
    cls = type(m).__name__
    init_args, init_kwargs, attributes = _ada_attributes(m, cls)
    init_kwargs.update(overrides.get(cls, {}))
    state: dict = {k: v for k, v in m.__dict__.items() if k.startswith("_") and k not in (
        "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set")}
    state["training"] = False
    state["_parameters"] = OrderedDict(
        (k, torch.nn.Parameter(p.detach().clone(), requires_grad=False) if p is not None else None)
        for k, p in m._parameters.items()
    )
    buffers = OrderedDict(
        (k, b.detach().clone()) for k, b in m._buffers.items() if k not in m._non_persistent_buffers_set
    )
    if cls in _HAS_FILTER:
        buffers["resample_filter"] = _filter2d()
    state["_buffers"] = buffers
    state["_non_persistent_buffers_set"] = set()
    state["_modules"] = OrderedDict(m._modules.items())
    state.update(attributes)
    state["_init_args"] = init_args
    state["_init_kwargs"] = init_kwargs
    return {"type": "class", "version": 6, "module_src": ADA_SOURCE, "class_name": cls, "state": state}


def ada_pickle_bytes(
    G_ema: Generator, G: Generator | None = None, D: Discriminator | None = None, protocol: int = 4,
    roles: dict | None = None, overrides: dict | None = None,
) -> bytes:
    """A StyleGAN2-ADA network snapshot as `training_loop.py` writes it.

    `roles` replaces entries of the top-level dict; `overrides` the recorded constructor kwargs.
    """
    data = {
        "training_set_kwargs": dict(EasyDict(class_name="training.dataset.ImageFolderDataset",
                                             path="~/datasets/ffhq.zip", resolution=G_ema.img_resolution)),
        "G": G if G is not None else G_ema,
        "D": D,
        "G_ema": G_ema,
        "augment_pipe": AugmentPipe(),
    }
    data.update(roles or {})
    return dumps(data, protocol, overrides)


# ---------------------------------------------------------------------------------------------
# StyleGAN2 TensorFlow


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def _tf_conv(w: torch.Tensor, flip: bool = False) -> np.ndarray:
    x = _np(w).transpose(2, 3, 1, 0)  # (out, in, kh, kw) -> [kh, kw, in, out]
    return np.ascontiguousarray(x[::-1, ::-1] if flip else x)


def _tf_layer(sd: dict, ours: str, tf: str, up: bool = False) -> list:
    return [
        (f"{tf}/weight", _tf_conv(sd[f"{ours}.weight"], flip=up)),
        (f"{tf}/mod_weight", _np(sd[f"{ours}.affine.weight"]).T.copy()),
        (f"{tf}/mod_bias", _np(sd[f"{ours}.affine.bias"]) - 1),
        (f"{tf}/noise_strength", np.float32(sd[f"{ours}.noise_strength"].item())),
        (f"{tf}/bias", _np(sd[f"{ours}.bias"])),
    ]


def _tf_torgb(sd: dict, ours: str, tf: str) -> list:
    return [
        (f"{tf}/weight", _tf_conv(sd[f"{ours}.weight"])),
        (f"{tf}/mod_weight", _np(sd[f"{ours}.affine.weight"]).T.copy()),
        (f"{tf}/mod_bias", _np(sd[f"{ours}.affine.bias"]) - 1),
        (f"{tf}/bias", _np(sd[f"{ours}.bias"])),
    ]


def _tf_net(name: str, func: str, kwargs: dict, variables: list, components: dict | None = None) -> Network:
    return Network({
        "version": 4, "name": name, "static_kwargs": dict(kwargs), "components": dict(components or {}),
        "build_module_src": TF_SOURCE, "build_func_name": func, "variables": variables,
    })


def tf_generator(G: Generator, name: str) -> Network:
    c, sd = G.config, G.state_dict()
    kwargs = {"num_channels": c.img_channels, "resolution": c.resolution, "label_size": 0,
              "fmap_base": c.channel_base // 2, "fmap_max": c.channel_max, "latent_size": c.z_dim,
              "dlatent_size": c.w_dim, "mapping_layers": c.mapping_layers, "mapping_lrmul": c.mapping_lr}
    mapping = []
    for i in range(c.mapping_layers):
        mapping += [(f"Dense{i}/weight", _np(sd[f"mapping.fc{i}.weight"]).T.copy()),
                    (f"Dense{i}/bias", _np(sd[f"mapping.fc{i}.bias"]))]
    log_r = int(math.log2(c.resolution))
    synthesis = []
    for i in range(2 * log_r - 3):  # noise0 .. noise{num_layers - 2}
        r = 2 ** ((i + 5) // 2)
        layer = "b4.conv1" if i == 0 else f"b{r}.conv{0 if i % 2 else 1}"
        synthesis.append((f"noise{i}", _np(sd[f"synthesis.{layer}.noise_const"])[None, None]))
    synthesis.append(("4x4/Const/const", _np(sd["synthesis.b4.const"])[None]))
    synthesis += _tf_layer(sd, "synthesis.b4.conv1", "4x4/Conv")
    synthesis += _tf_torgb(sd, "synthesis.b4.torgb", "4x4/ToRGB")
    for lr in range(3, log_r + 1):
        r = 2**lr
        synthesis += _tf_layer(sd, f"synthesis.b{r}.conv0", f"{r}x{r}/Conv0_up", up=True)
        synthesis += _tf_layer(sd, f"synthesis.b{r}.conv1", f"{r}x{r}/Conv1")
        synthesis += _tf_torgb(sd, f"synthesis.b{r}.torgb", f"{r}x{r}/ToRGB")
    components = {
        "synthesis": _tf_net("G_synthesis", "training.networks_stylegan2.G_synthesis_stylegan2", kwargs, synthesis),
        "mapping": _tf_net("G_mapping", "training.networks_stylegan2.G_mapping",
                           {**kwargs, "dlatent_broadcast": G.num_ws}, mapping),
    }
    own = [("lod", np.float32(0)), ("dlatent_avg", _np(sd["mapping.w_avg"]))]
    return _tf_net(name, "training.networks_stylegan2.G_main", kwargs, own, components)


def tf_discriminator(D: Discriminator) -> Network:
    c, sd = D.config, D.state_dict()
    variables = []
    top = c.resolution
    variables += [(f"{top}x{top}/FromRGB/weight", _tf_conv(sd[f"b{top}.fromrgb.weight"])),
                  (f"{top}x{top}/FromRGB/bias", _np(sd[f"b{top}.fromrgb.bias"]))]
    r = top
    while r > 4:
        variables += [
            (f"{r}x{r}/Conv0/weight", _tf_conv(sd[f"b{r}.conv0.weight"])),
            (f"{r}x{r}/Conv0/bias", _np(sd[f"b{r}.conv0.bias"])),
            (f"{r}x{r}/Conv1_down/weight", _tf_conv(sd[f"b{r}.conv1.weight"])),
            (f"{r}x{r}/Conv1_down/bias", _np(sd[f"b{r}.conv1.bias"])),
            (f"{r}x{r}/Skip/weight", _tf_conv(sd[f"b{r}.skip.weight"])),
        ]
        r //= 2
    variables += [
        ("4x4/Conv/weight", _tf_conv(sd["b4.conv.weight"])),
        ("4x4/Conv/bias", _np(sd["b4.conv.bias"])),
        ("4x4/Dense0/weight", _np(sd["b4.fc.weight"]).T.copy()),
        ("4x4/Dense0/bias", _np(sd["b4.fc.bias"])),
        ("Output/weight", _np(sd["b4.out.weight"]).T.copy()),
        ("Output/bias", _np(sd["b4.out.bias"])),
    ]
    kwargs = {"num_channels": c.img_channels, "resolution": c.resolution, "label_size": 0,
              "fmap_base": c.channel_base // 2, "fmap_max": c.channel_max,
              "mbstd_group_size": c.mbstd_group_size}
    return _tf_net("D", "training.networks_stylegan2.D_stylegan2", kwargs, variables)


def tf_pickle_bytes(G_ema: Generator, G: Generator, D: Discriminator) -> bytes:
    """`(G, D, Gs)` as NVlabs' `training_loop.py` / `misc.save_pkl` writes it."""
    return dumps((tf_generator(G, "G"), tf_discriminator(D), tf_generator(G_ema, "Gs")), protocol=4)


# ---------------------------------------------------------------------------------------------
# rosinality


def _blur_kernel(scale: float) -> torch.Tensor:
    return _filter2d() * scale


def rosinality_generator(G: Generator) -> dict[str, torch.Tensor]:
    """G's weights under rosinality's `Generator.state_dict()` names and shapes."""
    sd, c = G.state_dict(), G.config
    out: dict[str, torch.Tensor] = {}
    for i in range(c.mapping_layers):
        out[f"style.{i + 1}.weight"] = sd[f"mapping.fc{i}.weight"]
        out[f"style.{i + 1}.bias"] = sd[f"mapping.fc{i}.bias"]
    out["input.input"] = sd["synthesis.b4.const"][None]

    def styled(dst: str, src: str, upsample: bool) -> None:
        out[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        if upsample:
            out[f"{dst}.conv.blur.kernel"] = _blur_kernel(4.0)
        out[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        out[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]
        out[f"{dst}.noise.weight"] = sd[f"{src}.noise_strength"].reshape(1)
        out[f"{dst}.activate.bias"] = sd[f"{src}.bias"]

    def to_rgb(dst: str, src: str, upsample: bool) -> None:
        if upsample:
            out[f"{dst}.upsample.kernel"] = _blur_kernel(4.0)
        out[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        out[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        out[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]
        out[f"{dst}.bias"] = sd[f"{src}.bias"].reshape(1, -1, 1, 1)

    styled("conv1", "synthesis.b4.conv1", False)
    to_rgb("to_rgb1", "synthesis.b4.torgb", False)
    log_r = int(math.log2(c.resolution))
    for j, lr in enumerate(range(3, log_r + 1)):
        r = 2**lr
        styled(f"convs.{2 * j}", f"synthesis.b{r}.conv0", True)
        styled(f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1", False)
        to_rgb(f"to_rgbs.{j}", f"synthesis.b{r}.torgb", True)
    noise_layers = ["b4.conv1"] + [f"b{2**lr}.conv{k}" for lr in range(3, log_r + 1) for k in (0, 1)]
    for i, layer in enumerate(noise_layers):
        out[f"noises.noise_{i}"] = sd[f"synthesis.{layer}.noise_const"][None, None]
    return {k: v.clone() for k, v in out.items()}


def rosinality_discriminator(D: Discriminator) -> dict[str, torch.Tensor]:
    """D's weights under rosinality's `Discriminator.state_dict()` names and shapes."""
    sd, top = D.state_dict(), D.config.resolution
    out = {"convs.0.0.weight": sd[f"b{top}.fromrgb.weight"], "convs.0.1.bias": sd[f"b{top}.fromrgb.bias"]}
    r, i = top, 1
    while r > 4:
        out[f"convs.{i}.conv1.0.weight"] = sd[f"b{r}.conv0.weight"]
        out[f"convs.{i}.conv1.1.bias"] = sd[f"b{r}.conv0.bias"]
        out[f"convs.{i}.conv2.0.kernel"] = _blur_kernel(1.0)
        out[f"convs.{i}.conv2.1.weight"] = sd[f"b{r}.conv1.weight"]
        out[f"convs.{i}.conv2.2.bias"] = sd[f"b{r}.conv1.bias"]
        out[f"convs.{i}.skip.0.kernel"] = _blur_kernel(1.0)
        out[f"convs.{i}.skip.1.weight"] = sd[f"b{r}.skip.weight"]
        r, i = r // 2, i + 1
    out.update({
        "final_conv.0.weight": sd["b4.conv.weight"], "final_conv.1.bias": sd["b4.conv.bias"],
        "final_linear.0.weight": sd["b4.fc.weight"], "final_linear.0.bias": sd["b4.fc.bias"],
        "final_linear.1.weight": sd["b4.out.weight"], "final_linear.1.bias": sd["b4.out.bias"],
    })
    return {k: v.clone() for k, v in out.items()}


def rosinality_training_checkpoint(G_ema: Generator, G: Generator, D: Discriminator) -> dict:
    """What rosinality's `train.py` saves every 10k iterations (no latent_avg)."""
    g, d = rosinality_generator(G), rosinality_discriminator(D)
    return {
        "g": g, "d": d, "g_ema": rosinality_generator(G_ema),
        "g_optim": {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(2)}},
                    "param_groups": [{"lr": 0.002, "betas": (0.0, 0.99), "params": [0]}]},
        "d_optim": {"state": {}, "param_groups": [{"lr": 0.002, "betas": (0.0, 0.99), "params": [0]}]},
        "args": argparse.Namespace(size=G.img_resolution, batch=4, n_sample=64, channel_multiplier=2,
                                   r1=10.0, path_regularize=2.0, mixing=0.9, ckpt=None, lr=0.002),
        "ada_aug_p": 0.0,
    }


def rosinality_converted_checkpoint(G_ema: Generator) -> dict:
    """What rosinality's `convert_weight.py` saves from a TensorFlow pickle (g_ema + latent_avg)."""
    return {"g_ema": rosinality_generator(G_ema), "latent_avg": G_ema.mapping.w_avg.detach().clone()}
