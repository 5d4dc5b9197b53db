"""Fast toonify: coarse-to-fine projection, W by default, no global RNG side effects, the encoder,
photo augmentations and the identity check; and what makes a toonify fast without changing its
result (projection's own Adam, frozen models used without copies, checkpoints loaded without a
second copy or random weights drawn first, the reconstruction rendered only when asked for).
Tiny networks stand in for config-F weights."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from toonmoji.gan.checkpoints import checkpoint_dict, load_checkpoint, save_checkpoint
from toonmoji.gan.networks import tiny_networks
from toonmoji.imageio import read_image, write_image
from toonmoji.toonify.encoder import load_encoder, save_encoder
from toonmoji.toonify.encoder_train import EncoderTrainConfig, EncoderTrainer
from toonmoji.toonify.latent_cache import LatentCache
from toonmoji.toonify.models import load_toon_models
from toonmoji.toonify.photo_augment import PhotoAugment, head_mask, replace_background
from toonmoji.toonify.pipeline import render, toonify_faces
from toonmoji.toonify.project import (
    Adam,
    PerceptualDistance,
    ProjectConfig,
    learning_rate,
    project,
    quality_config,
)

RES = 16


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks run fastest on one thread; on a busy machine two threads mostly wait on each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def image_error(G, latent: torch.Tensor, target: torch.Tensor) -> float:
    with torch.no_grad():
        return float((G.synthesis(latent[None], noise_mode="const")[0] - target).square().mean())


def held_out(G, count: int, seed: int = 777) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        ws = G.mapping(torch.randn(count, G.z_dim, generator=torch.Generator().manual_seed(seed)), truncation_psi=0.8)
        return ws, G.synthesis(ws, noise_mode="const")


def test_the_partial_synthesis_is_what_the_smaller_generator_draws():
    """Stopping at 16 px gives the image a 16-px generator with the same lower layers makes:
    a real low-resolution image, at a fraction of the cost."""
    G, _ = tiny_networks(resolution=32)
    small, _ = tiny_networks(resolution=16)
    small.load_state_dict({k: v for k, v in G.state_dict().items() if k in small.state_dict()})
    ws, _ = held_out(G, 4)
    with torch.no_grad():
        partial = G.synthesis(ws, noise_mode="const", resolution=16)
        expected = small.synthesis(ws[:, : small.num_ws], noise_mode="const")
    assert partial.shape == (4, 3, 16, 16)
    assert torch.allclose(partial, expected, atol=1e-5)
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


def partial_error(G, latent: torch.Tensor, target: torch.Tensor, size: int) -> float:
    """MSE between the generator's partial image of `latent` at `size` and the target shrunk to it."""
    with torch.no_grad():
        partial = G.synthesis(latent[None], noise_mode="const", resolution=size)[0]
    return float((partial - torch.nn.functional.adaptive_avg_pool2d(target[None], size)[0]).square().mean())


def test_coarse_projection_matches_the_face_at_the_coarse_size_and_refinement_finishes_it():
    """Steps against the 16-px partial image of a 32-px generator fit the face at 16 px; a few
    full-resolution steps at the end then fit the whole image. (A random network's top layer adds
    much more than a trained one's, so here the coarse fit alone does not fix the 32-px image.)"""
    G, D = tiny_networks(resolution=32)
    _, targets = held_out(G, 1, seed=3)
    target, distance = targets[0], PerceptualDistance(D)
    start = G.w_avg.repeat(G.num_ws, 1)

    def error_at_16(latent: torch.Tensor) -> float:
        return partial_error(G, latent, target, 16)

    coarse = ProjectConfig(steps=120, resolution=16, optimize_noise=False, w_avg_samples=300)
    found = project(G, target, distance, coarse)
    assert error_at_16(found) < 0.2 * error_at_16(start), (error_at_16(start), error_at_16(found))
    refined = project(G, target, distance, ProjectConfig(**{**vars(coarse), "refine_steps": 40}))
    assert image_error(G, refined, target) < 0.2 * image_error(G, start, target)


def test_the_fast_default_from_a_guess_refines_it_at_32_px():
    """`--quality fast --encoder`'s default, 50 steps against the 32-px partial image from the
    guess: on a 64-px generator (where 32 px is a real coarse size, as for config-F models) it
    brings a guess that misses the face much closer to it at the size the steps see, and the
    whole image closer too."""
    G, D = tiny_networks(resolution=64)
    cfg = quality_config("fast", "w", encoder=True)
    assert (cfg.resolution, cfg.steps) == (32, 50)
    ws, targets = held_out(G, 2, seed=5)
    others, _ = held_out(G, 2, seed=6)
    for w, other, target in zip(ws, others, targets):
        guess = torch.lerp(w, other, 0.5)  # halfway to another face
        found = project(G, target, PerceptualDistance(D), cfg, start=guess)
        before, after = partial_error(G, guess, target, 32), partial_error(G, found, target, 32)
        assert after < 0.3 * before, (before, after)
        assert partial_error(G, found, target, 64) < 0.6 * partial_error(G, guess, target, 64)  # and the whole image


@pytest.fixture(scope="module")
def trained():
    """A tiny base and an encoder trained on its samples. Without the photo augmentations: on a
    16-px random network a new background or a shifted crop wipes out much of what identifies
    the latent (a face generator's background says little about the face; this one's does)."""
    G, D = tiny_networks(resolution=RES)
    trainer = EncoderTrainer(G, EncoderTrainConfig(steps=300, batch=16, input_size=RES, width=16, lr=2e-3, augment=False))
    for _ in range(300):
        trainer.train_step()
    return G, D, trainer.encoder.eval()


def test_the_encoder_recovers_held_out_faces_better_than_the_average_face(trained):
    G, _, encoder = trained
    _, targets = held_out(G, 32)
    with torch.no_grad():
        guess = G.synthesis(encoder(targets), noise_mode="const")
        average = G.synthesis(G.w_avg.repeat(32, G.num_ws, 1), noise_mode="const")
    enc, avg = float((guess - targets).square().mean()), float((average - targets).square().mean())
    assert enc < 0.3 * avg, (enc, avg)


def photo_like(G, count: int) -> torch.Tensor:
    """Faces no latent reproduces exactly, as photos: style-mixed, blurred, noisy, JPEG'd."""
    gen = torch.Generator().manual_seed(31)
    with torch.no_grad():
        ws = G.mapping(torch.randn(count, G.z_dim, generator=gen), truncation_psi=0.8)
        other = G.mapping(torch.randn(count, G.z_dim, generator=gen), truncation_psi=0.8)
        ws[:, G.num_ws // 2:] = other[:, G.num_ws // 2:]
        return PhotoAugment(crop_jitter=0.0, background=0.0, colour=0.05)(G.synthesis(ws, noise_mode="const"), gen)


def test_encoder_and_50_steps_reach_what_300_plain_steps_reach(trained):
    G, D, encoder = trained
    distance = PerceptualDistance(D)
    targets = photo_like(G, 2)
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
    assert torch.allclose(swapped[..., inside], images[..., inside], atol=0.03)
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


@pytest.mark.parametrize(("quality", "latent"), [("fast", "w"), ("best", "w+")])
def test_gan_project_writes_the_latent_in_the_space_asked_for(tmp_path, tiny_files, portrait, cli, quality, latent):
    base, _ = tiny_files
    photo = write_image(tmp_path / "me.png", portrait)
    code, _, err = cli("gan", "project", photo, "--model", base, "--out", tmp_path / "p",
                         "--quality", quality, "--latent", latent, "--steps", "3")
    assert code == 0, err
    found = torch.load(tmp_path / "p" / "me_face0_latent.pt", weights_only=True)
    assert found.ndim == 2 and found.shape[1] == 32
    assert torch.equal(found, found[:1].expand_as(found)) == (latent == "w")
    assert read_image(tmp_path / "p" / "me_face0_projected.png").shape == (32, 32, 3)


def test_projection_adam_takes_torchs_adam_steps_exactly():
    """The small Adam that spares start-up the import of torch.optim's compiler machinery moves
    the latent and the noise maps exactly as torch.optim.Adam does, under the ramped rate."""
    gen = torch.Generator().manual_seed(0)
    start = [torch.randn(1, 8, generator=gen), torch.randn(4, 4, generator=gen)]
    ours = [t.clone().requires_grad_(True) for t in start]
    theirs = [t.clone().requires_grad_(True) for t in start]
    opt, ref = Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    cfg = ProjectConfig()
    for step in range(30):
        opt.lr = learning_rate(cfg, step / 30)
        for group in ref.param_groups:
            group["lr"] = opt.lr
        opt.step(list(torch.autograd.grad(sum((t.sin() * t).sum() for t in ours), ours)))
        ref.zero_grad()
        sum((t.sin() * t).sum() for t in theirs).backward()
        ref.step()
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    assert not torch.equal(ours[0], start[0])


def test_loaded_networks_equal_the_saved_ones_and_share_no_memory(tmp_path):
    """The tensors read from a file become the networks' own (no second copy, no random
    initialisation first): the networks are the saved ones, and G and G_ema stored as the very
    same tensors are still two networks once loaded (training G leaves G_ema alone)."""
    G, D = tiny_networks(resolution=32, seed=1)
    data = checkpoint_dict(G, G, D)
    data["G"] = data["G_ema"]  # torch.save stores them once
    torch.save(data, tmp_path / "shared.pt")
    ckpt = load_checkpoint(tmp_path / "shared.pt")
    for loaded, saved in ((ckpt.G_ema, G), (ckpt.G, G), (ckpt.D, D)):
        a, b = loaded.state_dict(), saved.state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
        assert all(p.is_contiguous() and p.dtype == torch.float32 for p in loaded.parameters())
    before = copy.deepcopy(ckpt.G_ema.state_dict())
    with torch.no_grad():
        for p in ckpt.G.parameters():
            p.add_(1.0)
    assert all(torch.equal(v, before[k]) for k, v in ckpt.G_ema.state_dict().items())
    assert len({p.untyped_storage().data_ptr() for n in (ckpt.G_ema, ckpt.G, ckpt.D) for p in n.parameters()}) == sum(
        1 for n in (ckpt.G_ema, ckpt.G, ckpt.D) for _ in n.parameters())


def test_projecting_with_the_frozen_loaded_models_is_the_same_as_with_private_copies(tiny_files, portrait):
    """Toonify's models come back frozen and projection then uses them without copying them;
    the latent is the one a projection working on private copies finds, and the models are
    left exactly as they were."""
    from toonmoji.faces import align_faces
    from toonmoji.gan.dataset import image_to_tensor

    base, toon = tiny_files
    G, D = tiny_networks(resolution=32, seed=1)
    models = load_toon_models(base, toon)
    assert not any(p.requires_grad for net in (models.base, models.toon, models.distance) for p in net.parameters())
    assert models.distance.D is not None and not models.distance.D.training
    target = image_to_tensor(align_faces(portrait, size=32)[0].image)
    cfg = ProjectConfig(steps=4, resolution=16, optimize_noise=False, w_avg_samples=100)
    before = {k: v.clone() for k, v in models.base.state_dict().items()}
    shared = project(models.base, target, models.distance, cfg)
    assert all(torch.equal(v, before[k]) for k, v in models.base.state_dict().items())
    private = project(G, target, PerceptualDistance(D), cfg)  # trainable G and D: copied
    assert all(p.requires_grad for p in G.parameters()) and all(p.grad is None for p in G.parameters())
    assert torch.equal(shared, private), (shared - private).abs().max()


def test_the_reconstruction_is_rendered_only_when_asked_for(tiny_files, portrait):
    """A plain toonify renders the toon and not the base's reconstruction (a render is seconds
    at 1024 px); the identity check or the web page asks for it and gets the base's image."""
    base, toon = tiny_files
    models = load_toon_models(base, toon)
    full_renders = []
    models.base.synthesis.register_forward_hook(
        lambda _m, _args, out: full_renders.append(out.shape[-1]) if out.shape[-1] == 32 else None)
    cfg = ProjectConfig(steps=2, resolution=16, optimize_noise=False, w_avg_samples=100)
    faces = toonify_faces(portrait, models, cfg, LatentCache(None))
    assert len(faces) == 1 and faces[0].toon.shape == (32, 32, 3)
    assert full_renders == []  # the projection's steps stop at the coarse size
    recon = faces[0].reconstruction
    assert full_renders == [32]
    assert (recon == render(models.base, faces[0].latent)).all()
    assert faces[0].reconstruction is recon and full_renders == [32, 32]  # the second came from render() above
