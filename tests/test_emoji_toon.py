"""Emoji from toonified faces: expression directions, and `emoji --base/--toon` end to end."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toonmoji.emotion import EMOTIONS, EmotionClassifier, classify_image
from toonmoji.faces import align_faces
from toonmoji.gan.checkpoints import save_checkpoint
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.sampling import to_uint8
from toonmoji.imageio import read_image, write_image
from toonmoji.toonify.expression import (
    apply_expression,
    classify_aligned,
    directions_from_scores,
    sample_scores,
)

RES = 64


def redness_and_brightness(images: np.ndarray) -> np.ndarray:
    """A stand-in 'classifier' with known meaning: (N, 2) red-minus-blue and mean brightness."""
    x = images.astype(np.float64)
    return np.stack([x[..., 0].mean((1, 2)) - x[..., 2].mean((1, 2)), x.mean((1, 2, 3))], axis=1)


def test_directions_from_scores_recover_a_hidden_linear_attribute():
    gen = torch.Generator().manual_seed(0)
    ws = torch.randn(400, 32, generator=gen) * 2 + 1
    hidden = torch.randn(2, 32, generator=gen)
    hidden /= hidden.norm(dim=1, keepdim=True)
    scores = torch.sigmoid((ws - 1) @ hidden.T).numpy()
    vectors = directions_from_scores(ws, scores)
    for found, true in zip(vectors, hidden):
        cosine = float(found @ true / found.norm())
        assert cosine > 0.9, cosine
        # scaled to one standard deviation of the samples along it (2 here)
        assert abs(float(found.norm()) - 2.0) < 0.4


def test_moving_along_a_found_direction_changes_held_out_faces_that_way():
    G, _ = tiny_networks(resolution=32)
    G.eval()
    ws, scores = sample_scores(G, redness_and_brightness, samples=96)
    vectors = directions_from_scores(ws, scores)
    z = torch.randn(16, G.z_dim, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        w = G.mapping(z, truncation_psi=0.7)
        before = redness_and_brightness(to_uint8(G.synthesis(w, noise_mode="const")))
        for c in range(2):
            moved = torch.stack([apply_expression(latent, vectors[c], strength=2.0) for latent in w])
            after = redness_and_brightness(to_uint8(G.synthesis(moved, noise_mode="const")))
            assert (after[:, c] > before[:, c]).all(), (c, before[:, c], after[:, c])


def test_apply_expression_moves_only_the_coarse_layers():
    latent = torch.zeros(12, 8)
    moved = apply_expression(latent, torch.ones(8), strength=1.5, layers=8)
    assert torch.equal(moved[:8], torch.full((8, 8), 1.5))
    assert torch.equal(moved[8:], latent[8:])
    assert torch.equal(latent, torch.zeros(12, 8))  # the input is left alone


@pytest.mark.parametrize("size", [64, 256])
def test_the_aligned_face_box_reads_the_emotion_the_photo_shows(portrait, size):
    classifier = EmotionClassifier.default()
    photo = classify_image(portrait, classifier)[0].probabilities
    aligned = classify_aligned(classifier, align_faces(portrait, size=size)[0].image[None])[0]
    assert int(np.argmax(aligned)) == int(np.argmax(photo)) == EMOTIONS.index("happy")
    # the photo's crop (auto detector, framed like FER2013) and the aligned face read the same
    assert np.abs(aligned - photo).sum() < 0.1


@pytest.fixture
def toon_pair(tmp_path, monkeypatch):
    monkeypatch.setenv("TOONMOJI_CACHE", str(tmp_path / "cache"))
    G, D = tiny_networks(resolution=RES)
    base = save_checkpoint(tmp_path / "base.pt", G, G, D)
    T, _ = tiny_networks(resolution=RES, seed=1)
    toon = save_checkpoint(tmp_path / "toon.pt", T, T)
    return base, toon


@pytest.fixture
def photo(tmp_path, portrait):
    return write_image(tmp_path / "me.jpg", portrait)


def test_emoji_toonifies_first_with_base_and_toon(tmp_path, toon_pair, photo, cli):
    base, toon = toon_pair
    out, steps = tmp_path / "me.png", tmp_path / "steps"
    code, _, err = cli("emoji", photo, "--base", base, "--toon", toon, "--project-steps", "5",
                            "--out", out, "--steps", steps)
    assert code == 0, err
    emoji = read_image(out, mode="RGBA")
    assert emoji.shape[0] == emoji.shape[1] and emoji.shape[2] == 4
    assert emoji[..., 3].min() == 0 and emoji[..., 3].max() == 255  # background cut, face kept
    first = read_image(steps / "1_original.png")
    assert first.shape == (RES, RES, 3)  # the toon, not the photo, was cut out
    assert not np.array_equal(first, align_faces(read_image(photo), size=RES)[0].image)


def test_emoji_set_from_a_toon_pair_gives_every_emotion(tmp_path, toon_pair, photo, cli):
    base, toon = toon_pair
    out = tmp_path / "set"
    code, stdout, err = cli("emoji", "set", photo, "--base", base, "--toon", toon, "--project-steps", "5",
                            "--samples", "20", "--size", "64", "--out", out)
    assert code == 0, err
    toons = [read_image(out / f"{name}.png", mode="RGBA") for name in EMOTIONS]
    assert all(t.shape == (64, 64, 4) for t in toons)
    assert len({t.tobytes() for t in toons}) == len(EMOTIONS)  # every emotion moved differently
    assert "->" in stdout and "happy" in stdout


def test_emoji_toon_options_are_checked_first(tmp_path, toon_pair, photo, cli):
    base, toon = toon_pair
    code, _, err = cli("emoji", photo, "--base", base, "--out", tmp_path / "a.png")
    assert code != 0 and "both --base and --toon" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("emoji", photo, "--base", toon, "--toon", toon, "--out", tmp_path / "a.png")
    assert code != 0 and "discriminator" in err and len(err.strip().splitlines()) == 1
    small, _ = tiny_networks(resolution=32)
    other = save_checkpoint(tmp_path / "small.pt", small, small)
    code, _, err = cli("emoji", "set", photo, "--base", base, "--toon", other, "--out", tmp_path / "s")
    assert code != 0 and "resolution mismatch" in err
    code, _, err = cli("emoji", "set", photo, photo, "--base", base, "--toon", toon, "--out", tmp_path / "s")
    assert code != 0 and "exactly one photo" in err
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "s").exists()
