"""Which training images each step sees: a shuffled, endless, per-process stream of indices.

StyleGAN2-ADA's `InfiniteSampler` semantics: the indices are shuffled once with NumPy's
`RandomState(seed)`; then, walking the order forever, every visited slot is swapped with one of
the previous `window` slots (half the data set), so later passes are reshuffled gradually rather
than repeated. All processes walk the same sequence and each takes every `replicas`-th index
from its `rank`, so one step's images never overlap between processes. A data set of N images
with `mirror` has 2N indices; index N + i is image i flipped left to right.

The state (order, position, RandomState) is saved with a run, so `--resume` continues the stream
where it stopped.
"""

from __future__ import annotations

import numpy as np
import torch


class InfiniteSampler:
    """An endless stream of indices into a data set of `size` items for process `rank`."""

    def __init__(self, size: int, rank: int = 0, replicas: int = 1, seed: int = 0, window: float = 0.5):
        if size < 1 or not 0 <= rank < replicas:
            raise ValueError(f"bad sampler: size {size}, rank {rank} of {replicas}")
        self.size, self.rank, self.replicas = size, rank, replicas
        self.rng = np.random.RandomState(seed)
        self.order = np.arange(size)
        self.rng.shuffle(self.order)
        self.window = int(np.rint(size * window))
        self.position = 0  # slots visited so far, by all processes together

    def _visit(self) -> int:
        """The index at the current slot, then the gradual reshuffle of that slot."""
        slot = self.position % self.size
        index = int(self.order[slot])
        if self.window >= 2:
            other = (slot - self.rng.randint(self.window)) % self.size
            self.order[slot], self.order[other] = self.order[other], self.order[slot]
        self.position += 1
        return index

    def take(self, count: int) -> list[int]:
        """The next `count` indices of this process."""
        out: list[int] = []
        while len(out) < count:
            mine = self.position % self.replicas == self.rank
            index = self._visit()
            if mine:
                out.append(index)
        return out

    def skip(self, slots: int) -> None:
        """Walk past `slots` slots without taking them."""
        for _ in range(slots):
            self._visit()

    def state_dict(self) -> dict[str, object]:
        name, keys, pos, has_gauss, cached = self.rng.get_state()
        return {
            "size": self.size, "position": self.position, "order": torch.from_numpy(self.order.astype(np.int64)),
            "rng": [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        }

    def load_state_dict(self, state: dict[str, object]) -> None:
        if int(state["size"]) != self.size:
            raise ValueError(f"sampler state is for {state['size']} items, not {self.size}")
        name, keys, pos, has_gauss, cached = state["rng"]
        self.rng.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
        self.order = np.asarray(state["order"], dtype=np.int64).copy()
        self.position = int(state["position"])


def gather(images: torch.Tensor, indices: list[int]) -> torch.Tensor:
    """Images `(N, C, H, W)` at `indices` of the mirrored set: index N + i is image i x-flipped."""
    n = images.shape[0]
    picked = images[[i % n for i in indices]]
    flip = torch.tensor([i >= n for i in indices])
    if flip.any():
        picked[flip] = picked[flip].flip(dims=[3])
    return picked
