"""Fine-tuning inputs: image folder preparation and adaptive discriminator augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from toonmoji.errors import DataError
from toonmoji.gan.augment import AdaptiveP, augment
from toonmoji.gan.dataset import prepare_folder, tensor_to_image


def test_folder_of_mixed_images_is_prepared_and_bad_files_listed(tmp_path, portrait):
    Image.fromarray(portrait).save(tmp_path / "a.jpg")
    Image.fromarray(portrait[:, :300]).convert("L").save(tmp_path / "grey_tall.png")
    Image.fromarray(portrait).convert("RGBA").resize((100, 60)).save(tmp_path / "rgba_wide.webp")
    (tmp_path / "readme.txt").write_text("hi")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "a.jpg").read_bytes()[:500])
    data = prepare_folder(tmp_path, resolution=32)
    assert data.images.shape == (3, 3, 32, 32)
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert sorted(p.name for p, _ in data.skipped) == ["cut.jpg", "readme.txt"]
    # the centre crop of the photo keeps the portrait's colours
    first = tensor_to_image(data.images[data.files.index(tmp_path / "a.jpg")])
    assert abs(first.mean() - portrait[:, 0:512].mean()) < 25


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="no usable images"):
        prepare_folder(tmp_path, 32)
    with pytest.raises(DataError, match="not a folder"):
        prepare_folder(tmp_path / "missing", 32)


def test_augment_with_p0_is_identity_and_p1_changes_images():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 16, 16) * 2 - 1
    assert torch.equal(augment(x, 0.0), x)
    y = augment(x, 1.0)
    assert y.shape == x.shape
    assert (y - x).abs().mean() > 0.1


def test_augment_is_differentiable():
    x = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_()
    augment(x, 0.8).square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_low_p_leaves_most_images_untouched():
    torch.manual_seed(1)
    x = torch.rand(200, 3, 8, 8) * 2 - 1
    y = augment(x, 0.05)
    untouched = ((y - x).abs().flatten(1).max(dim=1).values < 1e-5).float().mean()
    # 12 augmentations at p=0.05 (flips and quarter turns a no-op for some draws): ~58% see none
    assert 0.45 < untouched < 0.75


def test_adaptive_p_rises_when_d_overfits_and_falls_otherwise():
    ada = AdaptiveP(speed_images=1000)
    ada.observe(torch.ones(64))  # D sure every real is real: r_t = 1 > 0.6
    assert ada.update(100) == pytest.approx(0.1)
    assert ada.last_rt == 1.0 and ada.rt == 0.0  # the log keeps r_t; the running count restarts
    ada.observe(-torch.ones(64))
    assert ada.update(300) == 0.0  # clamped at 0
    for _ in range(20):
        ada.observe(torch.ones(8))
        ada.update(1000)
    assert ada.p == pytest.approx(20.0)  # no upper bound, as in NVIDIA's loop: p > 1 is "always"
    ada.observe(torch.tensor([1.0, 1.0, 1.0, -1.0, 1.0]))  # r_t = 0.6 exactly: p stays
    assert ada.update(1000) == pytest.approx(20.0)
    assert np.isclose(AdaptiveP().update(10), 0.0)  # no observations: unchanged
