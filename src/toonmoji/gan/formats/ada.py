"""NVlabs StyleGAN2-ADA-PyTorch network pickles (`network-snapshot-*.pkl`, `ffhq.pkl`, ...).

The file is `pickle.dump` of a dict with keys 'G', 'D', 'G_ema', 'augment_pipe',
'training_set_kwargs' (and sometimes 'progress'). Each network is a `torch_utils.persistence`
object; `toonmoji.gan.safe_pickle` reads it as a `PersistentModule` (constructor kwargs +
parameters + buffers) without executing its embedded source. Parameter names are the same as
toonmoji's, so conversion is: check the constructor kwargs describe config-F, drop the constant
`resample_filter` buffers (after checking they hold [1, 3, 3, 1]), keep the rest.
"""

from __future__ import annotations

from toonmoji.errors import CheckpointError
from toonmoji.gan.formats.common import SourceNetworks, as_tensor, check_blur_kernel
from toonmoji.gan.safe_pickle import PersistentModule

FORMAT = "ada-pytorch"
DEFAULT_FILTER = [1, 3, 3, 1]


def is_ada_pickle(data: object) -> bool:
    return isinstance(data, dict) and any(isinstance(data.get(k), PersistentModule) for k in ("G", "G_ema", "D"))


def _tensors(module: PersistentModule, what: str) -> dict:
    out = {}
    for name, t in module.tensors().items():
        if name == "resample_filter" or name.endswith(".resample_filter"):
            check_blur_kernel(t, 1.0, f"{what} ({name})")
            continue
        out[name] = as_tensor(t, f"{what} {name}")
    return out


def _require(value: object, expected: object, what: str, setting: str) -> None:
    if value != expected:
        raise CheckpointError(f"{what} has {setting}={value!r}; only {expected!r} (StyleGAN2 config-F) is supported")


def _generator_hints(module: PersistentModule, what: str) -> tuple[dict, list[str]]:
    kw = module.init_kwargs
    mapping = dict(kw.get("mapping_kwargs") or {})
    synthesis = dict(kw.get("synthesis_kwargs") or {})
    _require(kw.get("c_dim", 0), 0, what, "c_dim (class-conditional)")
    _require(synthesis.get("architecture", "skip"), "skip", what, "architecture")
    _require(list(synthesis.get("resample_filter", DEFAULT_FILTER)), DEFAULT_FILTER, what, "resample_filter")
    _require(synthesis.get("activation", "lrelu"), "lrelu", what, "activation")
    _require(mapping.get("activation", "lrelu"), "lrelu", what, "mapping activation")
    _require(synthesis.get("use_noise", True), True, what, "use_noise")
    hints: dict = {"mapping_lr": float(mapping.get("lr_multiplier", 0.01))}
    if mapping.get("w_avg_beta", 0.995) is not None:
        hints["w_avg_beta"] = float(mapping.get("w_avg_beta", 0.995))
    if synthesis.get("conv_clamp") is not None:
        hints["conv_clamp"] = float(synthesis["conv_clamp"])
    notes = []
    if synthesis.get("num_fp16_res"):
        notes.append(
            f"{what} was trained with float16 in its top {synthesis['num_fp16_res']} resolutions; "
            "toonmoji runs it in float32"
        )
    return hints, notes


def _discriminator_hints(module: PersistentModule, what: str) -> dict:
    kw = module.init_kwargs
    _require(kw.get("c_dim", 0), 0, what, "c_dim (class-conditional)")
    _require(kw.get("architecture", "resnet"), "resnet", what, "architecture")
    block = dict(kw.get("block_kwargs") or {})
    _require(list(block.get("resample_filter", DEFAULT_FILTER)), DEFAULT_FILTER, what, "resample_filter")
    epilogue = dict(kw.get("epilogue_kwargs") or {})
    hints: dict = {
        "mbstd_group_size": int(epilogue.get("mbstd_group_size") or 0),  # None = whole batch
        "mbstd_num_channels": int(epilogue.get("mbstd_num_channels", 1)),
    }
    if kw.get("conv_clamp") is not None:
        hints["conv_clamp"] = float(kw["conv_clamp"])
    return hints


def read_ada(data: dict, name: str) -> SourceNetworks:
    """Turn an unpickled StyleGAN2-ADA snapshot dict into SourceNetworks."""
    generators: dict = {}
    g_hints: dict = {}
    notes: list[str] = []
    has_w_avg = True
    for role in ("G_ema", "G"):
        module = data.get(role)
        if module is None:
            continue
        what = f"{role} in {name}"
        if not isinstance(module, PersistentModule):
            raise CheckpointError(f"{what} is not a network")
        if module.class_name != "Generator":
            raise CheckpointError(f"{what} is a {module.class_name}, not a Generator")
        hints, more = _generator_hints(module, what)
        g_hints = g_hints or hints
        notes += [n for n in more if n not in notes]
        generators[role] = _tensors(module, what)
        has_w_avg = has_w_avg and "mapping.w_avg" in generators[role]
    disc = None
    d_hints: dict = {}
    module = data.get("D")
    if module is not None:
        what = f"D in {name}"
        if not isinstance(module, PersistentModule) or module.class_name != "Discriminator":
            found = module.class_name if isinstance(module, PersistentModule) else type(module).__name__
            raise CheckpointError(f"{what} is a {found}, not a Discriminator")
        d_hints = _discriminator_hints(module, what)
        disc = _tensors(module, what)
    return SourceNetworks(FORMAT, generators, disc, g_hints, d_hints, notes, has_w_avg)
