"""Knowledge distillation (Hinton et al. 2015): a fast student learns from the averaged, softened
predictions of one or more teachers as well as from the labels.

Issue 12's route to a better live model: a large teacher (or an ensemble) is trained where a GPU
is available (`configs/emotion_teacher.toml`), then a student of mini-Xception's cost learns
from it (`configs/emotion_student.toml`). FER2013's labels are noisy (about 65-70% human
agreement); a teacher's soft labels carry which emotions a face is between.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.packaged import PACKAGED, packaged_path
from toonmoji.errors import CheckpointError


def load_teacher(spec: str) -> nn.Module:
    """A teacher network in eval mode, frozen: a `.pt` checkpoint path or a packaged model's name
    (one this build ships with its `.pt`; otherwise the message says where the weights come from)."""
    path = Path(spec)
    if not path.is_file():
        if spec not in PACKAGED:
            raise CheckpointError(f"teacher {spec!r} is neither a checkpoint file nor a packaged model "
                                  f"(known: {', '.join(PACKAGED)})")
        path = packaged_path(".pt", spec)
    model = load_checkpoint(path).build_model().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def teacher_probabilities(teachers: list[nn.Module], x: torch.Tensor, temperature: float) -> torch.Tensor:
    """`(N, C)`: the teachers' softmax(logits / temperature), averaged. `x` is the student's batch
    `(N, 1, S, S)` in [-1, 1]; each teacher sees it resized to its own input size."""
    total = None
    with torch.no_grad():
        for teacher in teachers:
            size = teacher.config.input_size
            seen = x if x.shape[-1] == size else F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
            p = torch.softmax(teacher(seen) / temperature, dim=1)
            total = p if total is None else total + p
    return total / len(teachers)


def distillation_loss(student_logits: torch.Tensor, teacher_probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(teacher || student) between softened distributions, times temperature squared so its
    gradients keep their size whatever the temperature (Hinton et al.)."""
    log_student = F.log_softmax(student_logits / temperature, dim=1)
    return F.kl_div(log_student, teacher_probs, reduction="batchmean") * temperature**2
