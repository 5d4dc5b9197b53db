"""Fine-tuning and encoder training on several processes (torchrun): gradients averaged, ranks
stay identical, one writer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from toonmoji.gan.checkpoints import save_checkpoint
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.train import FinetuneConfig, Finetuner, rank_seed, sync_gradients
from toonmoji.imageio import read_image, write_image


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        # sync_gradients: every rank ends with the mean of the ranks' gradients
        p = torch.nn.Parameter(torch.zeros(3))
        p.grad = torch.full((3,), float(rank + 1))
        module = torch.nn.Module()
        module.p = p
        sync_gradients(module)
        # two fine-tuning steps on different real batches per rank
        G, D = tiny_networks(resolution=16)  # the same weights on every rank, as from a base file
        torch.manual_seed(rank_seed(0, rank))  # as `gan finetune` seeds each process
        tuner = Finetuner(G, D, FinetuneConfig(batch=4, ada=False))  # 2 per process
        reals = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(rank)) * 2 - 1
        for _ in range(2):
            tuner.train_step(reals)
        z = torch.randn(1, 4)  # what this rank's global RNG draws next
        torch.save({"grad": p.grad, "G": tuner.G.state_dict(), "D": tuner.D.state_dict(), "z": z}, f"{out}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_two_processes_average_gradients_and_stay_in_step(tmp_path):
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert torch.equal(r0["grad"], torch.full((3,), 1.5)) and torch.equal(r1["grad"], r0["grad"])
    for key in ("G", "D"):
        for name, value in r0[key].items():
            assert torch.equal(value, r1[key][name]), f"{key}.{name} differs between ranks"
    G0, _ = tiny_networks(resolution=16)
    assert any(not torch.equal(v, G0.state_dict()[k]) for k, v in r0["G"].items())  # it did train
    assert not torch.equal(r0["z"], r1["z"])  # each rank draws its own latents


def test_torchrun_fine_tunes_with_two_processes(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(8):
        im = np.full((24, 24, 3), 255, np.uint8)
        im[6:18, int(rng.integers(3, 9)) :][:, :12] = (220, 30, 30)
        write_image(tmp_path / "data" / f"{i}.png", im)
    G, D = tiny_networks(resolution=16)
    base = save_checkpoint(tmp_path / "base.pt", G, G, D)
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           "-m", "toonmoji", "gan", "finetune", str(tmp_path / "data"), "--base", str(base), "--out", str(run),
           "--kimg", "0.016", "--snap", "0.008", "--batch", "4"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    # --batch is the total (NVIDIA's): 4 images a step, 2 per process: 0.008 kimg is 2 steps
    assert sorted(p.name for p in run.glob("snapshot-*.pt")) == ["snapshot-0000.008.pt", "snapshot-0000.016.pt"]
    assert read_image(run / "fakes-0000.016.png").shape[2] == 3
    assert len((run / "log.jsonl").read_text().splitlines()) == 2  # one writer: rank 0


def test_torchrun_trains_an_encoder_with_two_processes(tmp_path):
    """`gan train-encoder` under torchrun, as the README says it runs on several GPUs: both ranks
    train (gloo on the CPU here), rank 0 alone writes snapshots, previews, the log and the encoder,
    and the encoder it writes loads and inverts."""
    from toonmoji.toonify.encoder import load_encoder

    G, D = tiny_networks(resolution=32, seed=1)
    base = save_checkpoint(tmp_path / "base.pt", G, G, D)
    enc, run = tmp_path / "enc.pt", tmp_path / "enc-run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           "-m", "toonmoji", "gan", "train-encoder", "--base", str(base), "--out", str(enc), "--steps", "4",
           "--snap", "2", "--batch", "2", "--input-size", "16"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in run.glob("encoder-*.pt")) == ["encoder-000002.pt", "encoder-000004.pt"]
    assert [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()] == [2, 4]  # one writer
    encoder = load_encoder(enc, G)  # and it belongs to this base
    with torch.no_grad():
        image = G.synthesis(G.mapping(torch.randn(1, G.z_dim)))
    assert torch.isfinite(encoder(image)).all()
