"""Fast toonify: coarse-to-fine projection, W by default, no global RNG side effects, the encoder,
photo augmentations and the identity check. Tiny networks stand in for config-F weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from toonmoji.gan.checkpoints import save_checkpoint
from toonmoji.gan.networks import tiny_networks
from toonmoji.imageio import read_image, write_image
from toonmoji.toonify.encoder import load_encoder, save_encoder
from toonmoji.toonify.encoder_train import EncoderTrainConfig, EncoderTrainer
from toonmoji.toonify.photo_augment import PhotoAugment, head_mask, replace_background
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project, quality_config

RES = 16


def image_error(G, latent: torch.Tensor, target: torch.Tensor) -> float:
    with torch.no_grad():
        return float((G.synthesis(latent[None], noise_mode="const")[0] - target).square().mean())


def held_out(G, count: int, seed: int = 777) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        ws = G.mapping(torch.randn(count, G.z_dim, generator=torch.Generator().manual_seed(seed)), truncation_psi=0.8)
        return ws, G.synthesis(ws, noise_mode="const")


def test_the_partial_synthesis_is_a_low_resolution_image_of_the_same_face():
    G, _ = tiny_networks(resolution=32)
    ws, full = held_out(G, 8)
    with torch.no_grad():
        partial = G.synthesis(ws, noise_mode="const", resolution=16)
    assert partial.shape == (8, 3, 16, 16)
    shrunk = torch.nn.functional.avg_pool2d(full, 2)
    same = float((partial - shrunk).square().mean())
    other = float((partial - shrunk.roll(1, dims=0)).square().mean())  # another face
    assert same < 0.5 * other, (same, other)
    with pytest.raises(ValueError, match="resolution must be one of"):
        G.synthesis(ws, resolution=12)


def test_projection_leaves_the_global_random_state_alone_and_repeats():
    G, D = tiny_networks(resolution=RES)
    target = held_out(G, 1)[1][0]
    cfg = ProjectConfig(steps=3, w_avg_samples=100)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = project(G, target, PerceptualDistance(D), cfg)
    assert torch.equal(before, torch.get_rng_state())
    b = project(G, target, PerceptualDistance(D), cfg)
    assert torch.equal(a, b)


def test_w_is_the_default_and_gives_one_latent_for_every_layer():
    G, D = tiny_networks(resolution=RES)
    target = held_out(G, 1)[1][0]
    w = project(G, target, PerceptualDistance(D), ProjectConfig(steps=5, w_avg_samples=100))
    assert ProjectConfig().latent == "w" and quality_config("fast").latent == "w"
    assert torch.equal(w, w[:1].expand_as(w))
    w_plus = project(G, target, PerceptualDistance(D), ProjectConfig(steps=5, latent="w+", w_avg_samples=100))
    assert not torch.equal(w_plus, w_plus[:1].expand_as(w_plus))


def test_coarse_to_fine_projection_recovers_a_generated_face():
    """Optimising only against the 16-px partial image of a 32-px generator finds the face."""
    G, D = tiny_networks(resolution=32)
    _, targets = held_out(G, 1, seed=3)
    start = G.w_avg.repeat(G.num_ws, 1)
    cfg = ProjectConfig(steps=150, resolution=16, optimize_noise=False, w_avg_samples=300)
    found = project(G, targets[0], PerceptualDistance(D), cfg)
    before, after = image_error(G, start, targets[0]), image_error(G, found, targets[0])
    assert after < 0.2 * before, (before, after)


@pytest.fixture(scope="module")
def trained():
    """A tiny base and an encoder trained on its samples (with photo augmentations)."""
    G, D = tiny_networks(resolution=RES)
    trainer = EncoderTrainer(G, EncoderTrainConfig(batch=16, input_size=RES, width=16, lr=2e-3))
    for _ in range(250):
        trainer.train_step()
    return G, D, trainer.encoder.eval()


def test_the_encoder_recovers_held_out_faces_better_than_the_average_face(trained):
    G, _, encoder = trained
    _, targets = held_out(G, 32)
    with torch.no_grad():
        guess = G.synthesis(encoder(targets), noise_mode="const")
        average = G.synthesis(G.w_avg.repeat(32, G.num_ws, 1), noise_mode="const")
    enc, avg = float((guess - targets).square().mean()), float((average - targets).square().mean())
    assert enc < 0.5 * avg, (enc, avg)


def test_encoder_and_50_steps_reach_what_300_plain_steps_reach(trained):
    G, D, encoder = trained
    distance = PerceptualDistance(D)
    _, targets = held_out(G, 2, seed=31)
    plain_cfg = ProjectConfig(steps=300, optimize_noise=False, w_avg_samples=500)
    fast_cfg = quality_config("fast", "w", encoder=True)
    assert fast_cfg.steps == 50
    plain = [image_error(G, project(G, t, distance, plain_cfg), t) for t in targets]
    fast = [image_error(G, project(G, t, distance, fast_cfg, start=encoder.guess(t, "w")), t) for t in targets]
    assert np.mean(fast) <= 1.1 * np.mean(plain), (fast, plain)


def test_an_encoder_file_belongs_to_its_base(tmp_path, trained):
    G, _, encoder = trained
    from toonmoji.errors import CheckpointError
    from toonmoji.toonify.encoder import generator_fingerprint

    path = save_encoder(tmp_path / "enc.pt", encoder, generator_fingerprint(G))
    again = load_encoder(path, G)
    _, targets = held_out(G, 2)
    assert torch.allclose(again(targets), encoder(targets))
    other, _ = tiny_networks(resolution=RES, seed=9)
    with pytest.raises(CheckpointError, match="another base"):
        load_encoder(path, other)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="cannot read encoder"):
        load_encoder(tmp_path / "junk.pt", G)


def test_photo_augmentations_change_images_but_keep_them_in_range():
    G, _ = tiny_networks(resolution=32)
    _, images = held_out(G, 6)
    images = images.clamp(-1, 1)
    gen = torch.Generator().manual_seed(0)
    out = PhotoAugment()(images, gen)
    assert out.shape == images.shape and out.min() >= -1 and out.max() <= 1
    assert all(not torch.allclose(a, b, atol=1e-3) for a, b in zip(out, images))
    swapped = replace_background(images, 1.0, gen)
    mask = head_mask(32, images.device)[0, 0]
    inside, outside = mask > 0.99, mask < 0.01
    assert torch.allclose(swapped[..., inside], images[..., inside], atol=1e-2)
    assert not torch.allclose(swapped[..., outside], images[..., outside], atol=1e-2)


def test_identity_distance_tells_the_person_from_noise(portrait):
    from toonmoji.faces import align_faces
    from toonmoji.toonify.identity import SAME_PERSON, likeness

    face = align_faces(portrait, size=256)[0]
    blurred = torch.nn.functional.avg_pool2d(torch.from_numpy(face.image).permute(2, 0, 1).float()[None], 3, 1, 1)
    blurred = blurred[0].permute(1, 2, 0).round().byte().numpy()
    noise = np.random.default_rng(0).integers(0, 256, face.image.shape, dtype=np.uint8)
    found = likeness(face.image, {"self": face.image, "blurred": blurred, "noise": noise}, face.landmarks)
    assert found["self"].distance < 1e-6 and found["blurred"].same_person
    assert found["noise"].distance > SAME_PERSON and not found["noise"].same_person


@pytest.fixture
def tiny_files(tmp_path):
    G, D = tiny_networks(resolution=32, seed=1)
    T, _ = tiny_networks(resolution=32, seed=2)
    return save_checkpoint(tmp_path / "base.pt", G, G, D), save_checkpoint(tmp_path / "toon.pt", T)


def test_train_encoder_cli_snapshots_resumes_and_feeds_toonify(tmp_path, tiny_files, portrait, cli, monkeypatch):
    monkeypatch.setenv("TOONMOJI_CACHE", str(tmp_path / "cache"))
    base, toon = tiny_files
    enc, run = tmp_path / "enc.pt", tmp_path / "enc-run"
    code, out, err = cli("gan", "train-encoder", "--base", base, "--out", enc, "--steps", "4", "--snap", "2",
                         "--batch", "2", "--input-size", "16")
    assert code == 0, err
    assert enc.is_file() and sorted(p.name for p in run.glob("encoder-*.pt")) == ["encoder-000002.pt", "encoder-000004.pt"]
    assert read_image(run / "preview-000004.png").shape == (2 * 32, 6 * 32, 3)
    code, _, err = cli("gan", "train-encoder", "--base", base, "--out", enc, "--steps", "4")
    assert code != 0 and "exists" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("gan", "train-encoder", "--resume", run, "--out", enc, "--steps", "6", "--snap", "2", "--force")
    assert code == 0, err
    assert [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()] == [2, 4, 6]
    photo = write_image(tmp_path / "me.png", portrait)
    code, out, err = cli("toonify", photo, "--base", base, "--toon", toon, "--encoder", enc, "--steps", "3",
                         "--out", tmp_path / "t.png", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["quality"] == "fast" and report["latent"] == "w" and report["steps"] == 3
    ident = report["faces"][0]["identity"]
    assert set(ident) == {"reconstruction", "toon"} and ident["toon"]["distance"] > 0
    assert read_image(tmp_path / "t.png").shape == (32, 32, 3)
    other, other_d = tiny_networks(resolution=32, seed=5)
    code, _, err = cli("toonify", photo, "--base", save_checkpoint(tmp_path / "o.pt", other, other, other_d),
                       "--toon", toon, "--encoder", enc, "--out", tmp_path / "u.png")
    assert code != 0 and "another base" in err and len(err.strip().splitlines()) == 1


def test_quality_and_latent_options_are_checked_first(tmp_path, tiny_files, portrait, cli):
    base, toon = tiny_files
    photo = write_image(tmp_path / "me.png", portrait)
    code, _, err = cli("toonify", photo, "--base", base, "--toon", toon, "--quality", "ultra")
    assert code != 0 and "--quality takes fast or best" in err
    code, _, err = cli("gan", "project", photo, "--model", base, "--latent", "z")
    assert code != 0 and "--latent takes w or w+" in err
