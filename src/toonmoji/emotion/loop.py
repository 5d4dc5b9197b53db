"""One training epoch, two ways: the host loop (`classic`, the loop as it first was) and the fed
loop (`fed`, the default) that keeps a GPU busy.

The classic loop holds the data on the CPU, augments each batch there, copies it to the device,
and reads the loss back after every step (`.item()`, a host sync). The fed loop holds the data
set on the training device, draws every random number there (a generator on that device), runs
the augmentation there in whole batches, accumulates loss and accuracy in device tensors (one
sync per epoch), updates the weight average with fused multi-tensor ops (`torch._foreach_*`) and,
on CUDA only, runs in bf16 autocast with channels-last tensors.

On the CPU both loops do the same arithmetic in the same order from the same random streams, so
they give the same losses and weights bit for bit (tests/test_emotion_fed.py); on CUDA the fed
loop is faster and, like any cuDNN run, not bit-exact.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from toonmoji.emotion.augment import Augmentation, random_erasing
from toonmoji.emotion.distill import distillation_loss, teacher_probabilities

LOOPS = ("fed", "classic")


class WeightAverage:
    """Exponential moving average of a model's state (weights and batch-norm statistics); the
    early steps use a smaller decay so the average is not stuck at the random start."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.steps = 0
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def _next_decay(self) -> float:
        self.steps += 1
        return min(self.decay, (1.0 + self.steps) / (10.0 + self.steps))

    def update(self, model: nn.Module) -> None:
        """One tensor at a time (the classic loop)."""
        d = self._next_decay()
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if v.dtype.is_floating_point:
                    self.state[k].mul_(d).add_(v.detach(), alpha=1.0 - d)
                else:
                    self.state[k].copy_(v)

    def update_fused(self, model: nn.Module) -> None:
        """The same arithmetic as `update` (multiply, then add), as two multi-tensor kernels
        for all floating-point tensors at once instead of two per tensor."""
        d = self._next_decay()
        current = model.state_dict()
        floats = [k for k, v in current.items() if v.dtype.is_floating_point]
        with torch.no_grad():
            averaged = [self.state[k] for k in floats]
            torch._foreach_mul_(averaged, d)
            torch._foreach_add_(averaged, [current[k].detach() for k in floats], alpha=1.0 - d)
            for k, v in current.items():
                if not v.dtype.is_floating_point:
                    self.state[k].copy_(v)


@dataclass
class RunState:
    """What a run carries from step to step (and resumes from last.pt)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    generator: torch.Generator  # shuffling and augmentation
    dropout_rng: torch.Tensor  # the CPU stream dropout draws from
    step: int = 0
    average: WeightAverage | None = None
    teachers: list[nn.Module] = field(default_factory=list)


@dataclass(frozen=True)
class EpochPlan:
    """The settings one epoch needs (a view of TrainSettings)."""

    batch_size: int
    augment: Augmentation | None
    erasing: float
    label_smoothing: float
    distill_weight: float
    distill_temperature: float
    seed: int
    lr_at: Callable[[int, int], float] | None  # (step, batches per epoch) -> lr; None: leave it
    fast: bool = False  # fed loop: bf16 autocast and channels-last (on CUDA; on the CPU only to test it)


def batches_per_epoch(n: int, batch_size: int) -> int:
    """Full batches only (the remainder waits for the next shuffle); one batch when n < batch."""
    return max(1, n // batch_size if n >= batch_size else 1)


def amp_context(enabled: bool, device_type: str = "cuda") -> contextlib.AbstractContextManager:
    """bf16 autocast (no loss scaling needed: bf16 has float32's range)."""
    return torch.autocast(device_type, dtype=torch.bfloat16) if enabled else contextlib.nullcontext()


def _augment(x: torch.Tensor, plan: EpochPlan, generator: torch.Generator) -> torch.Tensor:
    if plan.augment is not None:
        x = plan.augment(x, generator)
    if plan.erasing > 0:
        x = random_erasing(x, plan.erasing, generator)
    return x


def _train_step(run: RunState, plan: EpochPlan, x: torch.Tensor, y: torch.Tensor, batches: int,
                amp: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward, loss, backward, optimizer step; returns (logits, loss) still on the device."""
    if plan.lr_at is not None:
        for group in run.optimizer.param_groups:
            group["lr"] = plan.lr_at(run.step, batches)
    with amp_context(amp, x.device.type):
        logits = run.model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=plan.label_smoothing)
        if run.teachers:
            soft = teacher_probabilities(run.teachers, x, plan.distill_temperature)
            loss = ((1.0 - plan.distill_weight) * loss
                    + plan.distill_weight * distillation_loss(logits.float(), soft.float(), plan.distill_temperature))
    run.optimizer.zero_grad()
    loss.backward()
    run.optimizer.step()
    run.step += 1
    return logits, loss


def classic_epoch(run: RunState, plan: EpochPlan, x_train: torch.Tensor, y_train: torch.Tensor,
                  device: torch.device, advance: Callable[[], None]) -> tuple[float, float]:
    """The host loop: data and augmentation on the CPU, a copy to `device` and a host sync
    (`.item()`) every step. Returns (mean training loss, training accuracy)."""
    n, bs = len(y_train), plan.batch_size
    batches = batches_per_epoch(n, bs)
    order = torch.randperm(n, generator=run.generator)
    seen, loss_sum, correct = 0, 0.0, 0
    with torch.random.fork_rng():  # dropout draws from the run's own saved stream
        torch.set_rng_state(run.dropout_rng)
        for b in range(batches):
            idx = order[b * bs : (b + 1) * bs]
            if len(idx) < 2:  # batch norm needs two samples
                continue
            x = _augment(x_train[idx], plan, run.generator).to(device)
            y = y_train[idx].to(device)
            logits, loss = _train_step(run, plan, x, y, batches, amp=False)
            if run.average is not None:
                run.average.update(run.model)
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            advance()
        run.dropout_rng = torch.get_rng_state()
    return loss_sum / max(1, seen), correct / max(1, seen)


@contextlib.contextmanager
def _dropout_stream(run: RunState, device: torch.device, seed: int) -> Iterator[None]:
    """Dropout draws from the run's saved CPU stream (exact resumption on the CPU); on CUDA from
    CUDA's generator, seeded from the step so a resumed run draws afresh yet reproducibly."""
    cuda = device.type == "cuda"
    with torch.random.fork_rng(devices=[device] if cuda else []):
        torch.set_rng_state(run.dropout_rng)
        if cuda:
            torch.cuda.manual_seed(seed + 1 + run.step)
        yield
        run.dropout_rng = torch.get_rng_state()


def fed_epoch(run: RunState, plan: EpochPlan, x_train: torch.Tensor, y_train: torch.Tensor,
              advance: Callable[[], None]) -> tuple[float, float]:
    """The fed loop over data already on the training device (`x_train (N, 1, S, S)`, `y_train
    (N,)`, both there, and `run.generator` too): no host transfer and no host sync until the
    epoch ends. Returns (mean training loss, training accuracy)."""
    device = x_train.device
    n, bs = len(y_train), plan.batch_size
    batches = batches_per_epoch(n, bs)
    order = torch.randperm(n, generator=run.generator, device=device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    with _dropout_stream(run, device, plan.seed):
        for b in range(batches):
            idx = order[b * bs : (b + 1) * bs]
            if len(idx) < 2:  # batch norm needs two samples
                continue
            x, y = _augment(x_train[idx], plan, run.generator), y_train[idx]
            if plan.fast:
                x = x.contiguous(memory_format=torch.channels_last)
            logits, loss = _train_step(run, plan, x, y, batches, amp=plan.fast)
            if run.average is not None:
                run.average.update_fused(run.model)
            seen += len(idx)
            loss_sum += loss.detach().double() * len(idx)  # the host loop's float64 sum, kept here
            correct += (logits.argmax(1) == y).sum()
            advance()
    return float(loss_sum) / max(1, seen), int(correct) / max(1, seen)


def predict_logits(model: nn.Module, x: torch.Tensor, batch: int = 512, amp: bool = False,
                   to_cpu: bool = True) -> torch.Tensor:
    """`(N, 1, S, S)` -> `(N, C)` float32 raw logits in eval mode (no temperature); on the CPU
    (`to_cpu`) or left where the model runs. `amp`: bf16 autocast."""
    model.eval()
    device = next(model.parameters()).device
    if len(x) == 0:
        return torch.zeros(0, 0)
    out = []
    with torch.no_grad(), amp_context(amp, device.type):
        for i in range(0, len(x), batch):
            logits = model(x[i : i + batch].to(device)).float()
            out.append(logits.cpu() if to_cpu else logits)
    return torch.cat(out)


def holdout_score(model: nn.Module, x: torch.Tensor, y: torch.Tensor, fed: bool, fast: bool = False) -> tuple[float, float]:
    """(loss, accuracy) on the hold-out. The fed loop keeps it on the device and, `fast` (CUDA),
    scores in batches of 4096 under autocast; otherwise both loops score in batches of 512."""
    if fed:
        logits = predict_logits(model, x, 4096 if fast else 512, amp=fast, to_cpu=False)
        y = y.to(logits.device)
    else:
        logits = predict_logits(model, x)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def channels_last(model: nn.Module, enabled: bool) -> nn.Module:
    """Channels-last weights (CUDA's tensor cores like NHWC) when `enabled`."""
    return model.to(memory_format=torch.channels_last) if enabled else model


def fresh_generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def restore_generator(generator: torch.Generator, saved: torch.Tensor, saved_device: str, reseed: int) -> bool:
    """Restore the shuffling/augmentation stream; a run moved between CPU and GPU cannot reuse the
    other device's generator, so it is re-seeded from `reseed` instead. True when restored."""
    if saved_device == generator.device.type:
        generator.set_state(saved)
        return True
    generator.manual_seed(reseed)
    return False


def cosine_lr(peak: float, epochs: int, warmup_epochs: float, step: int, steps_per_epoch: int) -> float:
    """Learning rate at optimizer step `step`: linear warm-up over `warmup_epochs`, then a cosine
    decay to zero at the end of `epochs`."""
    total = epochs * steps_per_epoch
    warm = int(warmup_epochs * steps_per_epoch)
    if step < warm:
        return peak * (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
