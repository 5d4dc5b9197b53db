"""The emotion model's configuration, apart from the model so ONNX inference never imports torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from toonmoji.emotion.labels import EMOTIONS

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a MiniXception; stored in every checkpoint as plain JSON."""

    input_size: int = 48
    in_channels: int = 1
    stem_filters: int = 8
    block_filters: tuple[int, ...] = (16, 32, 64, 128)
    num_classes: int = len(EMOTIONS)
    classes: tuple[str, ...] = field(default=EMOTIONS)

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d["block_filters"] = list(self.block_filters)
        d["classes"] = list(self.classes)
        return d

    @classmethod
    def from_json(cls, d: dict[str, object]) -> ModelConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for key in ("block_filters", "classes"):
            if key in known:
                known[key] = tuple(known[key])  # type: ignore[arg-type]
        config = cls(**known)  # type: ignore[arg-type]
        if config.num_classes != len(config.classes):
            raise ValueError(f"{config.num_classes} classes but {len(config.classes)} names")
        if config.input_size < 16:
            raise ValueError(f"input_size {config.input_size} is too small (at least 16)")
        return config
