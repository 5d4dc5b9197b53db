"""Training an emotion network on FER2013-format data: augmentation, learning-rate schedule (cut
on plateau, or warm-up + cosine), optional label smoothing, random erasing and EMA weights,
resumable checkpoints, model selection and temperature calibration on a hold-out part of
Training, knowledge distillation from teacher networks, and a final report on PublicTest and
PrivateTest. Runs on the CPU or, with `device="cuda"`, on a GPU. The epochs themselves are in
loop.py: the fed loop (default) keeps data, shuffling and augmentation on the training device;
the classic loop keeps them on the CPU. On the CPU both resume bit for bit and agree bit for bit;
on a GPU cuDNN and bf16 are not bit-exact, and a run moved between CPU and GPU re-seeds its
shuffling stream.

PublicTest and PrivateTest are only ever reported, never used to choose an epoch or a temperature.
The output folder holds `last.pt` (everything needed to resume bit for bit, written after every
epoch or every `save_every` epochs and whenever a call ends), `best.pt` (the best weights on the hold-out, calibrated, in the plain checkpoint format
that every `--model` option accepts) and one confusion-matrix PNG per test split.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn

from toonmoji.emotion.augment import Augmentation
from toonmoji.emotion.calibrate import expected_calibration_error, fit_temperature, softmax
from toonmoji.emotion.checkpoint import EmotionCheckpoint, load_checkpoint, save_checkpoint
from toonmoji.emotion.classifier import to_model_input
from toonmoji.emotion.config import ARCHS
from toonmoji.emotion.distill import load_teacher
from toonmoji.emotion.evaluate import Evaluation, confusion_image, evaluate
from toonmoji.emotion.fer2013 import Fer2013
from toonmoji.emotion.loop import (
    LOOPS,
    EpochPlan,
    RunState,
    WeightAverage,
    batches_per_epoch,
    channels_last,
    classic_epoch,
    cosine_lr,
    fed_epoch,
    fresh_generator,
    holdout_score,
    predict_logits,
    restore_generator,
)
from toonmoji.emotion.model import ModelConfig, build_model
from toonmoji.errors import CheckpointError, DataError, OutputExistsError
from toonmoji.imageio import write_image

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("plateau", "cosine")
SELECT = ("val_loss", "val_accuracy")


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters. The defaults are the mini-Xception paper's; a recipe file
    (configs/emotion_resnet.toml) overrides them."""

    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 15  # epochs without a better hold-out score before stopping (0 = never stop)
    lr_patience: int = 5  # plateau schedule: epochs on a plateau before the learning rate is cut
    lr_factor: float = 0.1
    input_size: int = 48
    augment: bool = True
    rotation_degrees: float = 10.0  # augmentation: random rotation within +-this
    shift: float = 0.1  # random shift within +-this share of the side
    zoom: float = 0.1  # random scale within 1 +- this
    mirror: bool = True  # random horizontal flip
    val_fraction: float = 0.1  # share of Training held out (per class) to choose epochs and temperature
    seed: int = 0
    # the network
    arch: str = "mini-xception"
    name: str = ""  # the model's user-facing name; empty = the arch
    stem_filters: int = 8
    stem_stride: int = 2  # resnet: 1 keeps 48 px in the first stage (ResNet-18 at 48 px)
    block_filters: tuple[int, ...] = (16, 32, 64, 128)
    depths: tuple[int, ...] = ()
    dropout: float = 0.0
    # the optimisation
    optimizer: str = "adam"  # adam, adamw, or sgd (Nesterov momentum)
    momentum: float = 0.9
    schedule: str = "plateau"  # plateau (cut by lr_factor) or cosine (linear warm-up, cosine to 0)
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    erasing: float = 0.0  # probability of random erasing per face
    ema_decay: float = 0.0  # exponential moving average of the weights; 0 = off
    select: str = "val_loss"  # hold-out score that picks best.pt: val_loss or val_accuracy
    calibrate: bool = True  # fit a temperature on the hold-out into best.pt
    # knowledge distillation: the teachers' averaged soft labels (.pt paths or packaged names)
    teachers: tuple[str, ...] = ()
    distill_weight: float = 0.0  # share of the loss from the teachers (0: labels only)
    distill_temperature: float = 4.0  # softens teacher and student predictions alike

    def __post_init__(self) -> None:
        for key in ("block_filters", "depths"):
            object.__setattr__(self, key, tuple(int(v) for v in getattr(self, key)))
        object.__setattr__(self, "teachers", tuple(str(v) for v in self.teachers))
        if not 0.0 <= self.distill_weight <= 1.0:
            raise DataError(f"distill_weight must be between 0 and 1, got {self.distill_weight}")
        if self.distill_weight > 0 and not self.teachers:
            raise DataError("distill_weight > 0 needs at least one teacher (teachers = [...])")
        if not self.distill_temperature > 0:
            raise DataError(f"distill_temperature must be positive, got {self.distill_temperature}")
        checks = {"arch": ARCHS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES, "select": SELECT}
        for key, allowed in checks.items():
            if getattr(self, key) not in allowed:
                raise DataError(f"training setting {key} = {getattr(self, key)!r}: expected one of {', '.join(allowed)}")
        if not 0.0 < self.val_fraction < 1.0:
            raise DataError(f"val_fraction must be between 0 and 1, got {self.val_fraction}")

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> TrainSettings:
        """From a recipe's keys; an unknown key is a one-line error naming it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise DataError(f"unknown training setting(s): {', '.join(unknown)}")
        return cls(**values)  # type: ignore[arg-type]

    def model_config(self) -> ModelConfig:
        return ModelConfig(input_size=self.input_size, stem_filters=self.stem_filters, stem_stride=self.stem_stride,
                           block_filters=self.block_filters, arch=self.arch, name=self.name or self.arch,
                           depths=self.depths, dropout=self.dropout)


@dataclass
class TrainResult:
    out_dir: Path
    history: list[dict[str, float]]
    stopped_early: bool
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    calibration: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> Path:
        return self.out_dir / "best.pt"

    @property
    def last(self) -> Path:
        return self.out_dir / "last.pt"


def faces_tensor(images: np.ndarray, size: int) -> torch.Tensor:
    """`(N, S0, S0) uint8` faces -> `(N, 1, size, size) float32 in [-1, 1]`."""
    return torch.from_numpy(to_model_input(list(images), size)) if len(images) else torch.zeros(0, 1, size, size)


def holdout_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, hold-out indices): a seeded `fraction` of each class, at least one face of
    the whole when possible."""
    rng = np.random.default_rng(seed)
    held = []
    for k in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == k))
        held.append(members[: round(len(members) * fraction)])
    hold = np.sort(np.concatenate(held)) if held else np.zeros(0, np.int64)
    if len(hold) == 0 and len(labels) > 1:
        hold = np.array([int(rng.integers(len(labels)))])
    keep = np.setdiff1d(np.arange(len(labels)), hold)
    return keep, hold


def _splits(data: Fer2013, settings: TrainSettings) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, hold-out), both from Training: the test splits never choose anything."""
    train_x, train_y = data.split("Training")
    if len(train_y) < 3:
        raise DataError(f"{data.source} has {len(train_y)} usable Training rows; at least 3 are needed")
    keep, hold = holdout_split(train_y, settings.val_fraction, settings.seed)
    return (train_x[keep], train_y[keep]), (train_x[hold], train_y[hold])


def _on_cpu(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu() for k, v in state.items()}


def _torch_predictor(model: nn.Module):
    temperature = float(model.config.temperature)
    device = next(model.parameters()).device

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(x).to(device)) / temperature, dim=1).cpu().numpy()

    return predict


def _make_optimizer(model: nn.Module, s: TrainSettings) -> torch.optim.Optimizer:
    if s.optimizer == "sgd":
        # no weight decay on batch-norm and bias parameters (they only scale and shift)
        decay = [p for p in model.parameters() if p.ndim > 1]
        rest = [p for p in model.parameters() if p.ndim <= 1]
        return torch.optim.SGD([{"params": decay, "weight_decay": s.weight_decay}, {"params": rest, "weight_decay": 0.0}],
                               lr=s.learning_rate, momentum=s.momentum, nesterov=True)
    if s.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=s.learning_rate, weight_decay=s.weight_decay)
    return torch.optim.Adam(model.parameters(), lr=s.learning_rate, weight_decay=s.weight_decay)


def _fresh_model(settings: TrainSettings) -> nn.Module:
    with torch.random.fork_rng():  # seeded initial weights without touching the caller's RNG
        torch.manual_seed(settings.seed)
        return build_model(settings.model_config())


def _better(row: dict[str, float], best: float, select: str) -> bool:
    if select == "val_accuracy":
        return row["val_accuracy"] > best + 1e-9
    return row["val_loss"] < best - 1e-6


def train(
    data: Fer2013,
    out_dir: str | os.PathLike[str],
    settings: TrainSettings | None = None,
    resume: bool = False,
    force: bool = False,
    console: Console | None = None,
    show_progress: bool = True,
    stop_after: int | None = None,
    device: str = "cpu",
    loop: str = "fed",
    save_every: int = 1,
    time_limit: float | None = None,
    fast: bool | None = None,
) -> TrainResult:
    """Train (or resume training) the network `settings` describe on `data`; returns the history,
    the calibration and the test-split evaluations of best.pt. `stop_after` ends this call after
    that many epochs (the run continues with `resume=True`, exactly as if never interrupted).
    `device`: where the networks run ("cpu", "cuda", "cuda:1"). `loop`: "fed" (data and
    augmentation on the device, see loop.py) or "classic" (the host loop). `save_every`: write
    last.pt every N epochs (and always when this call ends); a GPU epoch can take less time than
    writing a large network's state. `time_limit`: end this call (like `stop_after`) after the
    epoch past which another epoch of the mean length so far would exceed this many seconds.
    `fast`: the fed loop's bf16 autocast and channels-last tensors; None = on CUDA only (True on
    the CPU is slow there, and only meant to test that path)."""
    if loop not in LOOPS:
        raise DataError(f"unknown training loop {loop!r}: expected one of {', '.join(LOOPS)}")
    console = console or Console(stderr=True)
    out = Path(out_dir)
    last, best = out / "last.pt", out / "best.pt"
    state: dict | None = None
    if resume:
        if not last.is_file():
            raise CheckpointError(f"nothing to resume: {last} does not exist")
        ckpt = load_checkpoint(last)
        if not ckpt.training:
            raise CheckpointError(f"{last} holds no training state to resume from")
        state = ckpt.training
        saved = TrainSettings(**state["settings"])
        settings = TrainSettings(**{**asdict(saved), "epochs": (settings or saved).epochs})
    elif last.exists() and not force:
        raise OutputExistsError(f"{out} already holds a training run; pass --resume to continue it or --force to start over")
    settings = settings or TrainSettings()
    fed, dev = loop == "fed", torch.device(device)
    fast = fed and (dev.type == "cuda" if fast is None else fast)

    (train_x, train_y), (val_x, val_y) = _splits(data, settings)
    size = settings.input_size
    x_train, y_train = faces_tensor(train_x, size), torch.from_numpy(train_y)
    x_val, y_val = faces_tensor(val_x, size), torch.from_numpy(val_y)
    if fed:  # the whole data set lives where the network trains
        x_train, y_train, x_val, y_val = (t.to(dev) for t in (x_train, y_train, x_val, y_val))
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick its fastest kernels

    model = _fresh_model(settings).to(dev)
    model = channels_last(model, fast)
    teachers = [load_teacher(t).to(dev) for t in settings.teachers] if settings.distill_weight > 0 else []
    teachers = [channels_last(t, fast) for t in teachers]
    optimizer = _make_optimizer(model, settings)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=settings.lr_factor, patience=settings.lr_patience)
    run = RunState(model, optimizer, fresh_generator(dev if fed else torch.device("cpu"), settings.seed),
                   torch.Generator().manual_seed(settings.seed + 1).get_state(), teachers=teachers,
                   average=WeightAverage(model, settings.ema_decay) if settings.ema_decay > 0 else None)
    history: list[dict[str, float]] = []
    best_score = -math.inf if settings.select == "val_accuracy" else math.inf
    bad_epochs = 0
    if state is not None:
        model.load_state_dict(ckpt.state_dict)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, best_score, bad_epochs = list(state["history"]), float(state["best_score"]), int(state["bad_epochs"])
        run.step, run.dropout_rng = int(state.get("step", 0)), state["dropout_rng"]
        if not restore_generator(run.generator, state["generator"], str(state.get("generator_device", "cpu")),
                                 settings.seed + 7919 * len(history)):
            console.print("note: the run moved between CPU and GPU; its shuffling stream is re-seeded")
        if run.average is not None:
            run.average.state = {k: v.to(dev) for k, v in state["average"].items()}
            run.average.steps = int(state["average_steps"])
        console.print(f"resuming {out} after epoch {len(history)}")
    plan = _epoch_plan(settings, fast)
    stopped_early = settings.patience > 0 and bad_epochs >= settings.patience
    batches = batches_per_epoch(len(y_train), settings.batch_size)
    scored = model
    if run.average is not None:
        scored = channels_last(build_model(settings.model_config()).to(dev), fast)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not show_progress, transient=True) as progress:
        first, call_start, out_of_time = len(history), time.perf_counter(), False
        for epoch in range(first, settings.epochs):
            if stopped_early or out_of_time or (stop_after is not None and epoch - first >= stop_after):
                break
            started = time.perf_counter()
            task = progress.add_task(f"epoch {epoch + 1}/{settings.epochs}", total=batches)
            model.train()
            advance = functools.partial(progress.advance, task)
            if fed:
                loss, accuracy = fed_epoch(run, plan, x_train, y_train, advance)
            else:
                loss, accuracy = classic_epoch(run, plan, x_train, y_train, dev, advance)
            progress.remove_task(task)
            if run.average is not None:
                scored.load_state_dict(run.average.state)
            val_loss, val_acc = holdout_score(scored, x_val, y_val, fed, fast)
            if settings.schedule == "plateau":
                scheduler.step(val_loss)
            row = {"epoch": epoch + 1, "loss": loss, "accuracy": accuracy,
                   "val_loss": val_loss, "val_accuracy": val_acc, "lr": optimizer.param_groups[0]["lr"]}
            history.append(row)
            if _better(row, best_score, settings.select):
                best_score, bad_epochs = row[settings.select], 0
                meta = {"epoch": epoch + 1, "val_loss": val_loss, "val_accuracy": val_acc,
                        "data": Path(data.source).name, "holdout_faces": len(y_val)}
                save_checkpoint(best, EmotionCheckpoint(scored.config, _on_cpu(scored.state_dict()), meta), force=True)
            else:
                bad_epochs += 1
            stopped_early = settings.patience > 0 and bad_epochs >= settings.patience
            spent = time.perf_counter() - call_start
            out_of_time = time_limit is not None and spent * (epoch + 2 - first) / (epoch + 1 - first) > time_limit
            ends = (stopped_early or out_of_time or epoch + 1 == settings.epochs
                    or (stop_after is not None and epoch + 1 - first >= stop_after))
            if ends or (epoch + 1) % max(1, save_every) == 0:
                _save_last(last, run, scheduler, settings, history, best_score, bad_epochs, epoch + 1)
            console.print(
                f"epoch {epoch + 1}/{settings.epochs}  loss {row['loss']:.3f}  acc {row['accuracy']:.1%}  "
                f"val_loss {val_loss:.3f}  val_acc {val_acc:.1%}  lr {row['lr']:.0e}  {time.perf_counter() - started:.1f} s"
                + ("  (best)" if bad_epochs == 0 else ""),
                soft_wrap=True,
            )
            if stopped_early:
                console.print(f"early stop: no better hold-out {settings.select} for {settings.patience} epochs")

    result = TrainResult(out, history, stopped_early)
    if best.is_file() and (stopped_early or len(history) >= settings.epochs):
        x_val, y_val = x_val.cpu(), y_val.cpu()
        if settings.calibrate:
            result.calibration = calibrate_checkpoint(best, x_val, y_val, device=dev)
            console.print(f"temperature {result.calibration['temperature']:.3f} fitted on {len(y_val)} hold-out faces: "
                          f"ECE {result.calibration['ece_before']:.3f} -> {result.calibration['ece_after']:.3f}")
        result.evaluations = evaluate_splits(load_checkpoint(best).build_model(dev), data, out, overwrite=True)
    return result


def _epoch_plan(s: TrainSettings, fast: bool) -> EpochPlan:
    augment = Augmentation(s.rotation_degrees, s.shift, s.zoom, s.mirror) if s.augment else None
    lr_at = None
    if s.schedule == "cosine":
        lr_at = functools.partial(cosine_lr, s.learning_rate, s.epochs, s.warmup_epochs)
    return EpochPlan(s.batch_size, augment, s.erasing, s.label_smoothing, s.distill_weight,
                     s.distill_temperature, s.seed, lr_at, fast)


def _save_last(path: Path, run: RunState, scheduler: object, settings: TrainSettings,
               history: list[dict[str, float]], best_score: float, bad_epochs: int, epoch: int) -> None:
    """last.pt: the weights and everything needed to go on bit for bit (on the CPU)."""
    training = {"settings": asdict(settings), "optimizer": run.optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "generator": run.generator.get_state(),
                "generator_device": run.generator.device.type,
                "dropout_rng": run.dropout_rng, "step": run.step, "history": history,
                "best_score": best_score, "bad_epochs": bad_epochs}
    if run.average is not None:
        training.update(average=_on_cpu(run.average.state), average_steps=run.average.steps)
    model = run.model
    save_checkpoint(path, EmotionCheckpoint(model.config, _on_cpu(model.state_dict()), {"epoch": epoch}, training),
                    force=True)


def calibrate_checkpoint(path: Path, x_val: torch.Tensor, y_val: torch.Tensor,
                         device: str | torch.device = "cpu") -> dict[str, float]:
    """Fit the temperature of the checkpoint at `path` on the hold-out and store it there (in the
    config, so the ONNX export and every `--model` use it); returns T and ECE before/after. The
    network runs on `device`, the fit on the CPU."""
    ckpt = load_checkpoint(path)
    logits = predict_logits(ckpt.build_model(device), x_val).numpy()
    labels = y_val.numpy()
    temperature = fit_temperature(logits, labels)
    report = {"temperature": temperature, "holdout_faces": len(labels),
              "ece_before": expected_calibration_error(softmax(logits), labels),
              "ece_after": expected_calibration_error(softmax(logits, temperature), labels)}
    config = ModelConfig.from_json({**ckpt.config.to_json(), "temperature": temperature})
    meta = {**ckpt.meta, "calibration": report}
    save_checkpoint(path, EmotionCheckpoint(config, ckpt.state_dict, meta), force=True)
    return report


def evaluate_splits(model: nn.Module, data: Fer2013, out_dir: Path | None = None,
                    usages: tuple[str, ...] = ("PublicTest", "PrivateTest"), overwrite: bool = False) -> dict[str, Evaluation]:
    """Evaluate on each test split present; with `out_dir`, save `confusion_<split>.png` there."""
    results = {}
    predict = _torch_predictor(model.eval())
    for usage in usages:
        images, labels = data.split(usage)
        if len(labels) == 0:
            continue
        ev = evaluate(predict, faces_tensor(images, model.config.input_size).numpy(), labels, model.config.classes)
        results[usage] = ev
        if out_dir is not None:
            write_image(out_dir / f"confusion_{usage}.png", confusion_image(ev, usage), force=overwrite)
    return results
