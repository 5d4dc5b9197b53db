"""Training mini-Xception on FER2013-format data: augmentation, LR reduction on plateau, early
stopping, resumable checkpoints, and a final report on PublicTest and PrivateTest.

The output folder holds `last.pt` (everything needed to resume, written after every epoch),
`best.pt` (the weights with the lowest validation loss, in the plain checkpoint format that every
`--model` option accepts) and one confusion-matrix PNG per test split.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from toonmoji.emotion.augment import Augmentation
from toonmoji.emotion.checkpoint import EmotionCheckpoint, load_checkpoint, save_checkpoint
from toonmoji.emotion.classifier import to_model_input
from toonmoji.emotion.evaluate import Evaluation, confusion_image, evaluate
from toonmoji.emotion.fer2013 import Fer2013
from toonmoji.emotion.model import MiniXception, ModelConfig
from toonmoji.errors import CheckpointError, DataError, OutputExistsError
from toonmoji.imageio import write_image


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters; the defaults follow the paper where it states them."""

    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 15  # epochs without a better validation loss before stopping
    lr_patience: int = 5  # epochs on a plateau before the learning rate is cut
    lr_factor: float = 0.1
    input_size: int = 48
    augment: bool = True
    val_fraction: float = 0.1  # held out of Training when the CSV has no PublicTest rows
    seed: int = 0


@dataclass
class TrainResult:
    out_dir: Path
    history: list[dict[str, float]]
    stopped_early: bool
    evaluations: dict[str, Evaluation] = field(default_factory=dict)

    @property
    def best(self) -> Path:
        return self.out_dir / "best.pt"

    @property
    def last(self) -> Path:
        return self.out_dir / "last.pt"


def faces_tensor(images: np.ndarray, size: int) -> torch.Tensor:
    """`(N, S0, S0) uint8` faces -> `(N, 1, size, size) float32 in [-1, 1]`."""
    return torch.from_numpy(to_model_input(list(images), size)) if len(images) else torch.zeros(0, 1, size, size)


def _splits(data: Fer2013, settings: TrainSettings) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, validation): PublicTest validates when present, else a seeded slice of Training."""
    train_x, train_y = data.split("Training")
    val_x, val_y = data.split("PublicTest")
    if len(train_y) < 2:
        raise DataError(f"{data.source} has {len(train_y)} usable Training rows; at least 2 are needed")
    if len(val_y) == 0:
        order = np.random.default_rng(settings.seed).permutation(len(train_y))
        n_val = max(1, int(len(order) * settings.val_fraction))
        val_x, val_y = train_x[order[:n_val]], train_y[order[:n_val]]
        train_x, train_y = train_x[order[n_val:]], train_y[order[n_val:]]
    return (train_x, train_y), (val_x, val_y)


def _loss_and_accuracy(model: MiniXception, x: torch.Tensor, y: torch.Tensor, batch: int = 256) -> tuple[float, float]:
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(x[i : i + batch])
            total_loss += float(F.cross_entropy(logits, y[i : i + batch], reduction="sum"))
            correct += int((logits.argmax(1) == y[i : i + batch]).sum())
    return total_loss / max(1, len(y)), correct / max(1, len(y))


def _torch_predictor(model: MiniXception):
    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(x)), dim=1).numpy()

    return predict


def train(
    data: Fer2013,
    out_dir: str | os.PathLike[str],
    settings: TrainSettings | None = None,
    resume: bool = False,
    force: bool = False,
    console: Console | None = None,
    show_progress: bool = True,
) -> TrainResult:
    """Train (or resume training) a MiniXception on `data`; returns history and test evaluations."""
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

    (train_x, train_y), (val_x, val_y) = _splits(data, settings)
    size = settings.input_size
    x_train, y_train = faces_tensor(train_x, size), torch.from_numpy(train_y)
    x_val, y_val = faces_tensor(val_x, size), torch.from_numpy(val_y)

    with torch.random.fork_rng():  # seeded initial weights without touching the caller's RNG
        torch.manual_seed(settings.seed)
        model = MiniXception(ModelConfig(input_size=size))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=settings.lr_factor, patience=settings.lr_patience)
    generator = torch.Generator().manual_seed(settings.seed)
    history: list[dict[str, float]] = []
    best_loss, bad_epochs = math.inf, 0
    if state is not None:
        model.load_state_dict(ckpt.state_dict)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        history, best_loss, bad_epochs = list(state["history"]), float(state["best_loss"]), int(state["bad_epochs"])
        console.print(f"resuming {out} after epoch {len(history)}")
    augment = Augmentation() if settings.augment else None
    stopped_early = bad_epochs >= settings.patience
    n, bs = len(y_train), settings.batch_size
    batches = max(1, n // bs if n >= bs else 1)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not show_progress, transient=True) as progress:
        for epoch in range(len(history), settings.epochs):
            if stopped_early:
                break
            task = progress.add_task(f"epoch {epoch + 1}/{settings.epochs}", total=batches)
            model.train()
            order = torch.randperm(n, generator=generator)
            seen, loss_sum, correct = 0, 0.0, 0
            for b in range(batches):
                idx = order[b * bs : (b + 1) * bs]
                if len(idx) < 2:  # batch norm needs two samples
                    continue
                x, y = x_train[idx], y_train[idx]
                if augment is not None:
                    x = augment(x, generator)
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                seen += len(idx)
                loss_sum += loss.item() * len(idx)
                correct += int((logits.argmax(1) == y).sum())
                progress.advance(task)
            progress.remove_task(task)
            val_loss, val_acc = _loss_and_accuracy(model, x_val, y_val)
            scheduler.step(val_loss)
            row = {"epoch": epoch + 1, "loss": loss_sum / max(1, seen), "accuracy": correct / max(1, seen),
                   "val_loss": val_loss, "val_accuracy": val_acc, "lr": optimizer.param_groups[0]["lr"]}
            history.append(row)
            if val_loss < best_loss - 1e-6:
                best_loss, bad_epochs = val_loss, 0
                meta = {"epoch": epoch + 1, "val_loss": val_loss, "val_accuracy": val_acc, "data": Path(data.source).name}
                save_checkpoint(best, EmotionCheckpoint(model.config, model.state_dict(), meta), force=True)
            else:
                bad_epochs += 1
            stopped_early = bad_epochs >= settings.patience
            training = {"settings": asdict(settings), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "generator": generator.get_state(),
                        "history": history, "best_loss": best_loss, "bad_epochs": bad_epochs}
            save_checkpoint(last, EmotionCheckpoint(model.config, model.state_dict(), {"epoch": epoch + 1}, training), force=True)
            console.print(
                f"epoch {epoch + 1}/{settings.epochs}  loss {row['loss']:.3f}  acc {row['accuracy']:.1%}  "
                f"val_loss {val_loss:.3f}  val_acc {val_acc:.1%}  lr {row['lr']:.0e}"
                + ("  (best)" if bad_epochs == 0 else ""),
                soft_wrap=True,
            )
            if stopped_early:
                console.print(f"early stop: no better validation loss for {settings.patience} epochs")

    result = TrainResult(out, history, stopped_early)
    if best.is_file():
        result.evaluations = evaluate_splits(load_checkpoint(best).build_model(), data, out, overwrite=True)
    return result


def evaluate_splits(model: MiniXception, data: Fer2013, out_dir: Path | None = None,
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
