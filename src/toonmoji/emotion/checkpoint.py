"""Our emotion checkpoint format: a state dict plus a small JSON-able config, nothing pickled.

A file is `{"format": FORMAT, "config": {...}, "state_dict": {...}, "meta": {...}}` and loads with
`torch.load(weights_only=True)`, so opening a checkpoint never runs code from it. Training
checkpoints add a `"training"` entry (optimizer, scheduler, epoch, RNG) for resumption.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from toonmoji.emotion.model import ModelConfig, build_model
from toonmoji.errors import CheckpointError
from toonmoji.imageio import require_file, write_bytes

FORMAT = "toonmoji.emotion/1"


@dataclass
class EmotionCheckpoint:
    """A loaded checkpoint: model config, weights, free-form metadata, optional training state."""

    config: ModelConfig
    state_dict: dict[str, torch.Tensor]
    meta: dict[str, object] = field(default_factory=dict)
    training: dict[str, object] | None = None

    def build_model(self, device: str | torch.device = "cpu") -> nn.Module:
        """The network its config names (mini-Xception or ResNet) with these weights, in eval mode."""
        model = build_model(self.config)
        try:
            model.load_state_dict(self.state_dict)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0]
            raise CheckpointError(f"checkpoint weights do not fit its config: {first}") from None
        return model.to(device).eval()

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "format": FORMAT,
            "config": self.config.to_json(),
            "state_dict": {k: v.detach().cpu().contiguous() for k, v in self.state_dict.items()},
            "meta": self.meta,
        }
        if self.training is not None:
            d["training"] = self.training
        return d


def checkpoint_bytes(ckpt: EmotionCheckpoint) -> bytes:
    buffer = io.BytesIO()
    torch.save(ckpt.to_dict(), buffer)
    return buffer.getvalue()


def save_checkpoint(path: str | os.PathLike[str], ckpt: EmotionCheckpoint, force: bool = False) -> Path:
    """Write atomically (a crash mid-save never leaves a broken file under the final name)."""
    return write_bytes(path, checkpoint_bytes(ckpt), force=force)


def load_checkpoint(path: str | os.PathLike[str]) -> EmotionCheckpoint:
    """Load and validate a checkpoint; any problem is a one-line CheckpointError."""
    p = require_file(path)
    try:
        raw = torch.load(p, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, ValueError, OSError, zipfile.BadZipFile) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"cannot read emotion checkpoint {p}: {reason}") from None
    return checkpoint_from_dict(raw, str(p))


def checkpoint_from_dict(raw: object, name: str) -> EmotionCheckpoint:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CheckpointError(f"{name} is not a toonmoji emotion checkpoint (format {FORMAT})")
    try:
        config = ModelConfig.from_json(raw["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{name} has a bad model config: {exc}") from None
    state = raw.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{name} has no valid state_dict")
    ckpt = EmotionCheckpoint(config, state, dict(raw.get("meta") or {}), raw.get("training"))
    ckpt.build_model()  # validates that every weight has the right name and shape
    return ckpt


