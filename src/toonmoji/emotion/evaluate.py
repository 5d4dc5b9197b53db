"""Accuracy, per-class precision and recall, and the confusion matrix (as a table and a PNG)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from rich.table import Table

Predictor = Callable[[np.ndarray], np.ndarray]  # (N, 1, S, S) float in [-1, 1] -> (N, C) probabilities


@dataclass(frozen=True)
class Evaluation:
    """`confusion[i, j]` counts faces of true class i predicted as j."""

    confusion: np.ndarray
    classes: tuple[str, ...]
    ece: float | None = None  # expected calibration error of the probabilities (15 bins)

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(1, self.total))

    @property
    def precision(self) -> np.ndarray:
        predicted = self.confusion.sum(axis=0)
        return np.divide(np.diag(self.confusion), predicted, out=np.zeros(len(self.classes)), where=predicted > 0)

    @property
    def recall(self) -> np.ndarray:
        actual = self.confusion.sum(axis=1)
        return np.divide(np.diag(self.confusion), actual, out=np.zeros(len(self.classes)), where=actual > 0)

    def to_json(self) -> dict[str, object]:
        return {
            "faces": self.total,
            "accuracy": round(self.accuracy, 4),
            "ece": None if self.ece is None else round(self.ece, 4),
            "per_class": {c: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                              "support": int(s)}
                          for c, p, r, s in zip(self.classes, self.precision, self.recall,
                                                self.confusion.sum(axis=1))},
            "confusion": self.confusion.tolist(),
        }


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    m = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m


def evaluate(predict: Predictor, faces: np.ndarray, labels: np.ndarray, classes: tuple[str, ...],
             batch_size: int = 256) -> Evaluation:
    """Run `predict` over `faces (N, 1, S, S)` in batches and compare with `labels (N,)`."""
    from toonmoji.emotion.calibrate import expected_calibration_error

    batches = [predict(faces[i : i + batch_size]) for i in range(0, len(faces), batch_size)]
    if not batches:
        return Evaluation(np.zeros((len(classes), len(classes)), np.int64), classes)
    probabilities = np.concatenate(batches)
    return Evaluation(confusion_matrix(labels, probabilities.argmax(axis=1), len(classes)), classes,
                      expected_calibration_error(probabilities, labels))


def evaluation_table(ev: Evaluation, title: str) -> Table:
    """Per-class precision / recall / support, then the accuracy."""
    ece = "" if ev.ece is None else f", calibration error (ECE) {ev.ece:.3f}"
    table = Table(title=f"{title}: accuracy {ev.accuracy:.1%} on {ev.total} faces{ece}")
    for col in ("class", "precision", "recall", "support"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for c, p, r, s in zip(ev.classes, ev.precision, ev.recall, ev.confusion.sum(axis=1)):
        table.add_row(c, f"{p:.1%}", f"{r:.1%}", str(int(s)))
    return table


def confusion_table(ev: Evaluation, title: str) -> Table:
    table = Table(title=f"{title}: confusion (rows true, columns predicted)")
    table.add_column("true \\ pred")
    for c in ev.classes:
        table.add_column(c[:7], justify="right")
    for c, row in zip(ev.classes, ev.confusion):
        table.add_row(c, *(str(int(v)) for v in row))
    return table


def confusion_image(ev: Evaluation, title: str, cell: int = 64) -> np.ndarray:
    """The row-normalised confusion matrix as an `(H, W, 3) uint8` RGB picture with counts."""
    n = len(ev.classes)
    left, top = 110, 70
    img = np.full((top + n * cell + 20, left + n * cell + 20, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, f"{title}  acc {ev.accuracy:.1%}  n={ev.total}", (8, 22), font, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    rows = ev.confusion.sum(axis=1, keepdims=True)
    share = np.divide(ev.confusion, rows, out=np.zeros(ev.confusion.shape), where=rows > 0)
    for i, name in enumerate(ev.classes):
        cv2.putText(img, name[:9], (6, top + i * cell + cell // 2 + 5), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(img, name[:7], (left + i * cell + 4, top - 8), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        for j in range(n):
            shade = int(255 - 200 * share[i, j])
            x, y = left + j * cell, top + i * cell
            cv2.rectangle(img, (x, y), (x + cell - 1, y + cell - 1), (shade, shade, 255), -1)
            ink = (255, 255, 255) if share[i, j] > 0.5 else (0, 0, 0)
            cv2.putText(img, str(int(ev.confusion[i, j])), (x + 6, y + cell // 2 + 5), font, 0.45, ink, 1, cv2.LINE_AA)
    return img
