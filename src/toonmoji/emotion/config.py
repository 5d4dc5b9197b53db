"""The emotion model's configuration, apart from the model so ONNX inference never imports torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from toonmoji.emotion.labels import EMOTIONS

__all__ = ["ARCHS", "ModelConfig"]

ARCHS = ("mini-xception", "resnet")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild an emotion network; stored in every checkpoint as plain JSON.

    `arch` picks the network ("mini-xception" or "resnet"); `name` is what users call the model
    (`--model mini-xception`). `temperature` divides the logits before the softmax (calibration
    fitted on a hold-out; 1.0 = none). The defaults are the paper's mini-Xception.
    """

    input_size: int = 48
    in_channels: int = 1
    stem_filters: int = 8
    stem_stride: int = 2  # resnet: 2 halves 48 px at once (fast); 1 keeps it (ResNet-18 at 48 px)
    block_filters: tuple[int, ...] = (16, 32, 64, 128)
    num_classes: int = len(EMOTIONS)
    classes: tuple[str, ...] = field(default=EMOTIONS)
    arch: str = "mini-xception"
    name: str = "mini-xception"
    depths: tuple[int, ...] = ()  # resnet: residual blocks per stage (one stage per block_filters)
    dropout: float = 0.0  # resnet: before the classifier, training only
    temperature: float = 1.0

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d["block_filters"] = list(self.block_filters)
        d["depths"] = list(self.depths)
        d["classes"] = list(self.classes)
        return d

    @classmethod
    def from_json(cls, d: dict[str, object]) -> ModelConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for key in ("block_filters", "classes", "depths"):
            if key in known:
                known[key] = tuple(known[key])  # type: ignore[arg-type]
        config = cls(**known)  # type: ignore[arg-type]
        if config.num_classes != len(config.classes):
            raise ValueError(f"{config.num_classes} classes but {len(config.classes)} names")
        if config.arch not in ARCHS:
            raise ValueError(f"unknown arch {config.arch!r} (expected {', '.join(ARCHS)})")
        if config.arch == "resnet" and len(config.depths) != len(config.block_filters):
            raise ValueError(f"resnet needs one depth per stage: {len(config.block_filters)} stages, depths {config.depths}")
        if config.stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {config.stem_stride}")
        if not config.temperature > 0:
            raise ValueError(f"temperature must be positive, got {config.temperature}")
        if config.input_size < 16:
            raise ValueError(f"input_size {config.input_size} is too small (at least 16)")
        return config
