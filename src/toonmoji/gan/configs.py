"""Fine-tuning settings resolved as StyleGAN2-ADA's `train.py` resolves them (`--cfg`).

NVIDIA's training script picks batch, R1 gamma, EMA half-life, learning rate, minibatch-std group
and mapping depth from a named base configuration; `auto` derives them from the data set's
resolution and the number of GPUs. Fine-tuning here is always what NVIDIA calls `--resume`
(transfer learning from a base network), which also turns the EMA ramp-up off and makes ADA
adjust five times faster (`ada_kimg` 100 instead of 500). `resolve` applies the same rules, then
the user's explicit values on top; tests/test_gan_configs.py pins every number against a fixture
made by running NVIDIA's option parser.

What cannot carry over to fine-tuning is kept from the base network instead (and reported):
its mapping depth (`auto` and `cifar` ask for 2 layers, the papers for 8) and its feature-map
widths, because the base's weights have those shapes; `cifar`'s non-residual discriminator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from toonmoji.errors import InputError
from toonmoji.gan.networks import fp16_resolutions

CFG_NAMES = ("auto", "stylegan2", "paper256", "paper512", "paper1024", "cifar")
FP16_CONV_CLAMP = 256.0  # NVIDIA clamps conv outputs to +-256 whenever it trains in mixed precision


@dataclass(frozen=True)
class BaseSpec:
    """One row of NVIDIA's table of base configurations (the values, per `train.py`).

    `mb` is the total batch, `ref_gpus` the GPU count it was tuned for (the per-GPU batch is
    `mb // ref_gpus`), `ema` the EMA half-life in kimg, `ramp` its ramp-up (None: off), `map` the
    mapping depth, `fmaps` the width multiplier (channel_base = fmaps * 32768).
    """

    ref_gpus: int
    kimg: int
    mb: int
    mbstd: int
    fmaps: float
    lrate: float
    gamma: float
    ema: float
    ramp: float | None
    map: int


PRESETS: dict[str, BaseSpec] = {
    "stylegan2": BaseSpec(8, 25000, 32, 4, 1, 0.002, 10, 10, None, 8),
    "paper256": BaseSpec(8, 25000, 64, 8, 0.5, 0.0025, 1, 20, None, 8),
    "paper512": BaseSpec(8, 25000, 64, 8, 1, 0.0025, 0.5, 20, None, 8),
    "paper1024": BaseSpec(8, 25000, 32, 4, 1, 0.002, 2, 10, None, 8),
    "cifar": BaseSpec(2, 100000, 64, 32, 1, 0.0025, 0.01, 500, 0.05, 2),
}


def base_spec(cfg: str, resolution: int, gpus: int) -> BaseSpec:
    """NVIDIA's base configuration `cfg` for a data set at `resolution` on `gpus` processes.

    `auto`: batch `max(min(gpus * min(4096 // res, 32), 64), gpus)`, mbstd group
    `min(batch // gpus, 4)`, lr 0.002 from 1024 px (else 0.0025), gamma `0.0002 * res^2 / batch`,
    EMA `batch * 10 / 32` kimg, mapping 2, width 1 from 512 px (else 0.5).
    """
    if cfg not in CFG_NAMES:
        raise InputError(f"--cfg takes one of {', '.join(CFG_NAMES)}, not {cfg!r}")
    if gpus < 1 or gpus & (gpus - 1):
        raise InputError(f"the number of processes must be a power of two (NVIDIA's rule), not {gpus}")
    if cfg != "auto":
        return PRESETS[cfg]
    mb = max(min(gpus * min(4096 // resolution, 32), 64), gpus)
    return BaseSpec(
        ref_gpus=gpus, kimg=25000, mb=mb, mbstd=min(mb // gpus, 4),
        fmaps=1 if resolution >= 512 else 0.5, lrate=0.002 if resolution >= 1024 else 0.0025,
        gamma=0.0002 * resolution**2 / mb, ema=mb * 10 / 32, ramp=0.05, map=2,
    )


@dataclass
class FinetuneConfig:
    """Fine-tuning hyper-parameters. None means "from `cfg`" (see `resolve`); the fixed values
    are the defaults of NVIDIA's training loop and loss with `--resume`."""

    cfg: str = "auto"
    batch: int | None = None  # total over all processes (NVIDIA's --batch)
    batch_gpu: int | None = None  # images per forward pass on one process; gradients accumulate
    total_kimg: float = 10.0
    snap_kimg: float = 1.0
    lr: float | None = None
    r1_gamma: float | None = None
    r1_interval: int = 16
    pl_weight: float | None = None  # 2, or 0 for cifar
    pl_interval: int = 4
    pl_batch_shrink: int = 2
    pl_decay: float = 0.01
    mixing: float | None = None  # style-mixing probability: 0.9, or 0 for cifar
    mbstd_group: int | None = None
    ema_kimg: float | None = None
    ema_rampup: float | None = None  # None: off, NVIDIA's rule for --resume; e.g. 0.05 from scratch
    ada: bool = True
    ada_target: float = 0.6
    ada_interval: int = 4
    ada_kimg: float = 100.0  # NVIDIA's --resume value (500 when training from scratch)
    augment_p: float = 0.0
    fp16_res: int = 4  # mixed precision on CUDA for the top N resolutions of G and D; 0: fp32
    mirror: bool = False  # x-flipped copies double the data set
    grid_seeds: list[int] = field(default_factory=lambda: list(range(16)))
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict) -> FinetuneConfig:
        """From a saved config; keys of other versions are dropped."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def resolve(cfg: FinetuneConfig, resolution: int, gpus: int = 1) -> FinetuneConfig:
    """Every None in `cfg` filled from NVIDIA's base configuration `cfg.cfg`; explicit values win.

    As in NVIDIA's script, an explicit `batch` sets the per-process batch to `batch // gpus` but
    leaves gamma, EMA and the minibatch-std group as the configuration computed them.
    Raises InputError for a batch that cannot be split evenly.
    """
    spec = base_spec(cfg.cfg, resolution, gpus)
    batch = cfg.batch if cfg.batch is not None else spec.mb
    if cfg.batch_gpu is not None:
        batch_gpu = cfg.batch_gpu
    else:
        batch_gpu = batch // gpus if cfg.batch is not None else spec.mb // spec.ref_gpus
    batch_gpu = max(1, min(batch_gpu, batch // gpus))
    if batch < 1 or batch % gpus or (batch // gpus) % batch_gpu:
        raise InputError(
            f"--batch {batch} must split evenly: a multiple of {gpus} process(es) x --batch-gpu {batch_gpu}"
        )
    mbstd = cfg.mbstd_group if cfg.mbstd_group is not None else spec.mbstd
    if batch_gpu % min(mbstd, batch_gpu):
        raise InputError(
            f"--batch-gpu {batch_gpu} must be a multiple of the minibatch-std group {mbstd}"
        )
    if cfg.fp16_res < 0:
        raise InputError("--fp16-res must be 0 (off) or a positive number of resolutions")
    cifar = cfg.cfg == "cifar"

    def pick(value, rule):
        return rule if value is None else value

    return replace(
        cfg, batch=batch, batch_gpu=batch_gpu, lr=pick(cfg.lr, spec.lrate),
        r1_gamma=pick(cfg.r1_gamma, spec.gamma), ema_kimg=pick(cfg.ema_kimg, spec.ema),
        mbstd_group=mbstd, pl_weight=pick(cfg.pl_weight, 0.0 if cifar else 2.0),
        mixing=pick(cfg.mixing, 0.0 if cifar else 0.9),
    )


def uses_fp16(cfg: FinetuneConfig, device_type: str) -> bool:
    """Mixed precision is for CUDA only; on the CPU everything stays float32 (and exact)."""
    return device_type == "cuda" and cfg.fp16_res > 0


def describe(cfg: FinetuneConfig, resolution: int, gpus: int, device_type: str,
             mapping_layers: int, base_conv_clamp: float | None) -> dict[str, object]:
    """The resolved settings as `--print-config` shows them (JSON-able), with NVIDIA's base
    configuration and what fine-tuning keeps from the base network instead."""
    spec = base_spec(cfg.cfg, resolution, gpus)
    mixed = uses_fp16(cfg, device_type)
    settings = {k: v for k, v in asdict(cfg).items() if k != "grid_seeds"}
    notes = [
        (f"mapping network: the base's {mapping_layers} layers are kept "
         f"(NVIDIA's {cfg.cfg} builds {spec.map}; its --resume would copy only the matching ones)"),
        (f"feature maps: the base's widths are kept (NVIDIA's {cfg.cfg} uses channel_base "
         f"{int(spec.fmaps * 32768)})"),
        f"EMA ramp-up: {spec.ramp} in NVIDIA's {cfg.cfg} from scratch; --resume turns it off",
        "ADA speed: ada_kimg 100, NVIDIA's --resume value (500 from scratch)",
        f"training length: {cfg.total_kimg:g} kimg (NVIDIA's {cfg.cfg} trains {spec.kimg} from scratch)",
    ]
    if cfg.cfg == "cifar":
        notes.append("cifar's non-residual ('orig') discriminator: the base's residual one is kept")
    if not mixed and cfg.fp16_res > 0:
        notes.append("float16 is used on CUDA only: this device trains in float32")
    return {
        "resolution": resolution,
        "processes": gpus,
        "device": device_type,
        **settings,
        "mapping_layers": mapping_layers,
        "precision": {
            "fp16_resolutions": fp16_resolutions(resolution, cfg.fp16_res) if mixed else [],
            "conv_clamp": FP16_CONV_CLAMP if mixed else base_conv_clamp,
            "tf32": False,
        },
        "nvidia_cfg": asdict(spec),
        "notes": notes,
    }
