"""The toonify workflow on tiny networks: fine-tune, resume, blend, project, toonify."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from toonmoji.gan.checkpoints import load_checkpoint, save_checkpoint
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.train import FinetuneConfig, Finetuner
from toonmoji.imageio import read_image, write_image
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project, w_statistics

RES = 32


def disc_images(count: int = 24, size: int = 40, seed: int = 0) -> list[np.ndarray]:
    """Red discs on white: a tiny 'character' data set with an unmistakable look."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        im = np.full((size, size, 3), 255, np.uint8)
        centre = (int(rng.integers(size * 3 // 8, size * 5 // 8)), int(rng.integers(size * 3 // 8, size * 5 // 8)))
        cv2.circle(im, centre, int(rng.integers(size // 6, size // 3)), (220, 30, 30), -1)
        images.append(im)
    return images


@pytest.fixture
def discs(tmp_path):
    folder = tmp_path / "discs"
    for i, im in enumerate(disc_images()):
        write_image(folder / f"d{i}.png", im)
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture
def base_ckpt(tmp_path):
    G, D = tiny_networks(resolution=RES)
    return save_checkpoint(tmp_path / "base.pt", G, G, D)


def test_finetuning_moves_samples_toward_the_data():
    torch.manual_seed(0)
    reals = torch.stack([torch.from_numpy(im).permute(2, 0, 1).float() / 127.5 - 1 for im in disc_images(32, 16)])
    G, D = tiny_networks(resolution=16)
    z = torch.randn(64, G.z_dim, generator=torch.Generator().manual_seed(1))

    def distance_to_data(gen: torch.nn.Module) -> float:
        with torch.no_grad():
            fakes = gen(z)
        return float((fakes.mean(0) - reals.mean(0)).abs().mean())

    before = distance_to_data(G)
    tuner = Finetuner(G, D, FinetuneConfig(batch=8, ada=False))
    gen = torch.Generator().manual_seed(0)
    for _ in range(60):
        tuner.train_step(reals[torch.randint(0, len(reals), (8,), generator=gen)])
    after = distance_to_data(tuner.G)  # G_ema lags: its half-life is 2.5 kimg, 480 images ran
    assert after < 0.5 * before, f"mean image distance {before:.3f} -> {after:.3f}"


def test_training_step_with_augmentation_and_both_regularisers():
    """Step 0 runs R1 and path length; with p > 0 every D input is augmented."""
    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(G, D, FinetuneConfig(batch=4, augment_p=0.8))
    before = [p.clone() for p in D.parameters()]
    stats = tuner.train_step(torch.rand(4, 3, 16, 16) * 2 - 1)
    assert {"loss_g", "loss_d", "r1", "pl"} <= stats.keys()
    assert all(np.isfinite(v) for v in stats.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, tuner.D.parameters()))


def test_finetune_cli_writes_snapshots_and_resumes(tmp_path, discs, base_ckpt, cli):
    run = tmp_path / "run"
    code, out, err = cli("gan", "finetune", discs, "--base", base_ckpt, "--out", run,
                         "--kimg", "0.064", "--snap", "0.032", "--batch", "8")
    assert code == 0, err
    assert "1 skipped" in out and "notes.txt" in out
    snaps = sorted(run.glob("snapshot-*.pt"))
    grids = sorted(run.glob("fakes-*.png"))
    assert len(snaps) == 2 and len(grids) == 2
    assert read_image(grids[0]).shape == (4 * RES, 4 * RES, 3)
    assert load_checkpoint(snaps[-1]).D is not None  # a snapshot can itself be fine-tuned further
    assert len((run / "log.jsonl").read_text().splitlines()) == 2
    # a new run refuses to mix into the old folder
    code, _, err = cli("gan", "finetune", discs, "--base", base_ckpt, "--out", run, "--kimg", "0.064")
    assert code != 0 and "--resume" in err
    code, _, err = cli("gan", "finetune", "--resume", run, "--kimg", "0.096", "--snap", "0.032")
    assert code == 0, err
    assert len(sorted(run.glob("snapshot-*.pt"))) == 3
    assert json.loads((run / "log.jsonl").read_text().splitlines()[-1])["kimg"] == pytest.approx(0.096)


def test_resuming_continues_exactly_where_the_run_stopped(tmp_path, discs, base_ckpt, cli):
    args = ["--base", base_ckpt, "--batch", "8", "--snap", "0.032"]
    assert cli("gan", "finetune", discs, "--out", tmp_path / "straight", "--kimg", "0.064", *args)[0] == 0
    assert cli("gan", "finetune", discs, "--out", tmp_path / "split", "--kimg", "0.032", *args)[0] == 0
    assert cli("gan", "finetune", "--resume", tmp_path / "split", "--kimg", "0.064")[0] == 0
    a = load_checkpoint(next((tmp_path / "straight").glob("snapshot-0000.064.pt"))).G_ema.state_dict()
    b = load_checkpoint(next((tmp_path / "split").glob("snapshot-0000.064.pt"))).G_ema.state_dict()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_finetune_bad_inputs_are_one_line(tmp_path, base_ckpt, cli):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("gan", "finetune", empty, "--base", base_ckpt, "--out", tmp_path / "r")
    assert code != 0 and "no usable images" in err and len(err.strip().splitlines()) == 1
    G, _ = tiny_networks(resolution=RES)
    no_d = save_checkpoint(tmp_path / "g_only.pt", G)
    code, _, err = cli("gan", "finetune", empty, "--base", no_d, "--out", tmp_path / "r2")
    assert code != 0 and "no discriminator" in err
    code, _, err = cli("gan", "finetune", "--resume", tmp_path)
    assert code != 0 and "not a toonmoji fine-tuning run" in err


def test_blend_writes_a_generator_and_a_preview(tmp_path, cli):
    G_a, D = tiny_networks(resolution=RES, seed=1)
    G_b, _ = tiny_networks(resolution=RES, seed=2)
    base = save_checkpoint(tmp_path / "a.pt", G_a, G_a, D)
    toon = save_checkpoint(tmp_path / "b.pt", G_b)
    code, out, err = cli("gan", "blend", base, toon, "--swap", "8", "--out", tmp_path / "m.pt",
                         "--preview", tmp_path / "p.png", "--seeds", "0-2")
    assert code == 0, err
    assert "blended generator" in out
    # rows: base, toon, one per swap level (4, 8, 16, 32); columns: 3 seeds
    assert read_image(tmp_path / "p.png").shape == (6 * RES, 3 * RES, 3)
    blended = load_checkpoint(tmp_path / "m.pt").G_ema.state_dict()
    assert torch.equal(blended["synthesis.b8.conv1.weight"], G_b.state_dict()["synthesis.b8.conv1.weight"])
    assert torch.equal(blended["synthesis.b16.conv1.weight"], G_a.state_dict()["synthesis.b16.conv1.weight"])
    assert torch.equal(blended["mapping.fc0.weight"], G_a.state_dict()["mapping.fc0.weight"])
    code, _, err = cli("gan", "blend", base, toon, "--swap", "12", "--out", tmp_path / "n.pt")
    assert code != 0 and "--swap must be one of" in err


def test_blend_refuses_a_resolution_mismatch(tmp_path, cli):
    G_a, _ = tiny_networks(resolution=RES)
    G_b, _ = tiny_networks(resolution=16)
    a, b = save_checkpoint(tmp_path / "a.pt", G_a), save_checkpoint(tmp_path / "b.pt", G_b)
    code, _, err = cli("gan", "blend", a, b, "--out", tmp_path / "m.pt")
    assert code != 0 and "resolution mismatch" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.pt").exists()


def test_projection_recovers_an_image_the_generator_made():
    G, D = tiny_networks(resolution=RES)
    torch.manual_seed(3)
    with torch.no_grad():
        target = G.synthesis(G.mapping(torch.randn(1, G.z_dim)), noise_mode="const")[0]
        w_avg, _ = w_statistics(G, 500)
        start = G.synthesis(w_avg.repeat(G.num_ws, 1)[None], noise_mode="const")[0]
    distance = PerceptualDistance(D)
    cfg = ProjectConfig(steps=200, w_avg_samples=500, optimize_noise=False)
    ws = project(G, target, distance, cfg)
    with torch.no_grad():
        recovered = G.synthesis(ws[None], noise_mode="const")[0]
    before = float((start - target).square().mean())
    after = float((recovered - target).square().mean())
    assert after < 0.1 * before, f"MSE from the average face {before:.3f} -> projection {after:.3f}"


def test_toonify_end_to_end_with_cache_and_paste_back(tmp_path, portrait, cli, monkeypatch):
    monkeypatch.setenv("TOONMOJI_CACHE", str(tmp_path / "cache"))
    G_a, D = tiny_networks(resolution=RES, seed=1)
    G_b, _ = tiny_networks(resolution=RES, seed=2)
    base = save_checkpoint(tmp_path / "base.pt", G_a, G_a, D)
    toon = save_checkpoint(tmp_path / "toon.pt", G_b)
    photo = write_image(tmp_path / "me.png", portrait)
    code, out, err = cli("toonify", photo, "--base", base, "--toon", toon, "--out", tmp_path / "t.png", "--steps", "20")
    assert code == 0, err
    face = read_image(tmp_path / "t.png")
    assert face.shape == (RES, RES, 3)
    code, out, err = cli("toonify", photo, "--base", base, "--toon", toon, "--out", tmp_path / "p.png",
                         "--steps", "20", "--paste-back")
    assert code == 0, err
    assert "from cache" in out
    pasted = read_image(tmp_path / "p.png")
    assert pasted.shape == portrait.shape
    changed = np.abs(pasted.astype(int) - portrait).sum(axis=2) > 30
    ys, xs = np.nonzero(changed)
    assert changed.any() and 100 < xs.mean() < 350 and ys.mean() < 250  # only around the face
    assert not changed[400:, :].any() and not changed[:, :60].any()


def test_toonify_refuses_models_that_do_not_fit(tmp_path, portrait, cli):
    G_a, D = tiny_networks(resolution=RES)
    G_small, _ = tiny_networks(resolution=16)
    base = save_checkpoint(tmp_path / "base.pt", G_a, G_a, D)
    toon = save_checkpoint(tmp_path / "toon.pt", G_small)
    no_d = save_checkpoint(tmp_path / "blend.pt", G_a)
    photo = write_image(tmp_path / "me.png", portrait)
    code, _, err = cli("toonify", photo, "--base", base, "--toon", toon, "--out", tmp_path / "t.png")
    assert code != 0 and "resolution mismatch" in err
    code, _, err = cli("toonify", photo, "--base", no_d, "--toon", base, "--out", tmp_path / "t.png")
    assert code != 0 and "cannot serve as the base" in err
    (tmp_path / "junk.pt").write_bytes(b"garbage")
    code, _, err = cli("toonify", photo, "--base", tmp_path / "junk.pt", "--toon", base, "--out", tmp_path / "t.png")
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "t.png").exists()
