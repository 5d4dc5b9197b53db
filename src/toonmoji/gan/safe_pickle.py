"""Read NVIDIA's network pickles without running any code they contain.

Both NVIDIA formats are Python pickles of objects that carry their own source code:
StyleGAN2-ADA-PyTorch wraps every network class with `torch_utils.persistence`, whose reconstruct
function `exec`s the pickled module source; the TensorFlow release pickles
`dnnlib.tflib.network.Network` objects whose `__setstate__` `exec`s the build-function source.
Plain `pickle.load` of a downloaded file therefore runs whatever the file says.

`SafeUnpickler` resolves only an allow-list of globals: tensor/storage rebuilders, NumPy array and
scalar reconstruction, `collections.OrderedDict`, sets, and NVIDIA's `EasyDict`. The two
code-carrying entry points are mapped to inert stand-ins that keep just the data:
`PersistentModule` (class name, constructor kwargs, parameters, buffers, child modules) and
`TFNetwork` (the state dict: name, static kwargs, components, variables). Any other global
(`os.system`, `builtins.eval`, `subprocess.Popen`, ...) raises CheckpointError the moment the
pickle names it, before anything is called.
"""

from __future__ import annotations

import collections
import io
import pickle
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
import torch

from toonmoji.errors import CheckpointError


class EasyDictStandIn(dict):
    """Stands in for `dnnlib.util.EasyDict` (a dict with attribute access) in pickled kwargs."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class PersistentModule:
    """What a pickled StyleGAN2-ADA network holds, without its code."""

    class_name: str
    init_kwargs: dict
    parameters: dict[str, torch.Tensor | None] = field(default_factory=dict)
    buffers: dict[str, torch.Tensor | None] = field(default_factory=dict)
    modules: dict[str, PersistentModule | None] = field(default_factory=dict)

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """Every parameter and buffer under dotted state-dict names (`synthesis.b4.conv1.weight`)."""
        out: dict[str, torch.Tensor] = {}
        for name, t in list(self.parameters.items()) + list(self.buffers.items()):
            if t is not None:
                out[prefix + name] = t
        for name, child in self.modules.items():
            if child is not None:
                out.update(child.tensors(prefix + name + "."))
        return out


def _reconstruct_persistent(meta: Any) -> PersistentModule:
    """Inert replacement for `torch_utils.persistence._reconstruct_persistent_obj`."""
    if not isinstance(meta, dict) or not isinstance(meta.get("state"), dict):
        raise CheckpointError("malformed persistent object in network pickle")
    state = meta["state"]

    def table(key: str) -> dict:
        value = state.get(key) or {}
        if not isinstance(value, dict):
            raise CheckpointError(f"malformed persistent object: {key} is not a dict")
        return dict(value)

    modules = table("_modules")
    for name, child in modules.items():
        if child is not None and not isinstance(child, PersistentModule):
            # Plain torch.nn modules (not persistence-wrapped) would need their class; refused.
            raise CheckpointError(f"unsupported sub-module {name!r} in network pickle")
    return PersistentModule(
        class_name=str(meta.get("class_name", "?")),
        init_kwargs=dict(state.get("_init_kwargs") or {}),
        parameters=table("_parameters"),
        buffers=table("_buffers"),
        modules=modules,
    )


class TFNetwork:
    """Inert stand-in for `dnnlib.tflib.network.Network`: keeps the pickled state dict only."""

    def __init__(self) -> None:
        self.state: dict = {}

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise CheckpointError("malformed TensorFlow network in pickle")
        self.state = state

    @property
    def name(self) -> str:
        return str(self.state.get("name", "?"))

    @property
    def static_kwargs(self) -> dict:
        return dict(self.state.get("static_kwargs") or {})

    def variables(self, prefix: str = "") -> dict[str, np.ndarray]:
        """All variables of this network and its components, named `synthesis/4x4/Conv/weight`."""
        out: dict[str, np.ndarray] = {}
        for name, value in self.state.get("variables", []):
            out[prefix + str(name)] = np.asarray(value)
        for comp_name, comp in (self.state.get("components") or {}).items():
            if isinstance(comp, TFNetwork):
                out.update(comp.variables(prefix + str(comp_name) + "/"))
        return out


def _load_storage_from_bytes(data: bytes) -> Any:
    """Safe replacement for `torch.storage._load_from_bytes` (which uses weights_only=False).

    Pickled tensors embed their storage as a small legacy `torch.save` stream; torch's own
    weights-only loader reads it without running code.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise CheckpointError("malformed tensor storage in pickle")
    try:
        storage = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means a bad or unsafe file
        raise CheckpointError(f"refused a tensor storage in the pickle: {_first_line(exc)}") from None
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise CheckpointError("malformed tensor storage in pickle")
    return storage


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any, *_ignored: Any) -> torch.Tensor:
    """Build a tensor from a storage; backward hooks and Python attributes are dropped."""
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise CheckpointError("malformed tensor in pickle")
    return torch._utils._rebuild_tensor(storage, offset, tuple(size), tuple(stride))


def _rebuild_parameter(data: Any, *_ignored: Any) -> torch.Tensor:
    """Parameters come back as plain tensors: only their values are used."""
    if not isinstance(data, torch.Tensor):
        raise CheckpointError("malformed parameter in pickle")
    return data


def _numpy_global(name: str) -> Any:
    from numpy._core import multiarray

    return getattr(multiarray, name)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _load_storage_from_bytes,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("dnnlib.util", "EasyDict"): EasyDictStandIn,
    ("dnnlib", "EasyDict"): EasyDictStandIn,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent,
    ("dnnlib.tflib.network", "Network"): TFNetwork,
}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_mod, "_reconstruct")] = _numpy_global("_reconstruct")
    _ALLOWED[(_mod, "scalar")] = _numpy_global("scalar")
# NumPy dtype classes (numpy>=1.25 may pickle dtypes by class, e.g. numpy.dtypes.Float32DType).
for _name in ("Float16DType", "Float32DType", "Float64DType", "Int32DType", "Int64DType", "BoolDType"):
    if hasattr(np, "dtypes") and hasattr(np.dtypes, _name):
        _ALLOWED[("numpy.dtypes", _name)] = getattr(np.dtypes, _name)


class SafeUnpickler(pickle.Unpickler):
    """A pickle.Unpickler that resolves only the allow-listed globals above."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise CheckpointError(
                f"refused to load: the file asks to run {module}.{name}, which a network "
                "checkpoint never needs (unsafe or unsupported pickle)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise CheckpointError("refused to load: unexpected persistent id in pickle")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def safe_load_pickle(stream: BinaryIO) -> Any:
    """Unpickle `stream` with SafeUnpickler; any failure becomes one CheckpointError line."""
    try:
        return SafeUnpickler(stream, encoding="latin1").load()
    except CheckpointError:
        raise
    except (EOFError, pickle.UnpicklingError) as exc:
        raise CheckpointError(f"truncated or corrupt pickle ({_first_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - malformed data can fail in many ways
        raise CheckpointError(f"corrupt pickle: {type(exc).__name__}: {_first_line(exc)}") from None
