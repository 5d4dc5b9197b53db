"""Every checkpoint format loads into the same networks, images survive round trips unchanged,
and files that do not fit are refused with one clear line."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from gan_formats import (
    ada_pickle_bytes,
    dumps,
    rosinality_converted_checkpoint,
    rosinality_discriminator,
    rosinality_training_checkpoint,
    tf_discriminator,
    tf_generator,
    tf_pickle_bytes,
)
from toonmoji.errors import CheckpointError, ToonmojiError
from toonmoji.gan.checkpoints import (
    checkpoint_dict,
    convert_checkpoint,
    estimate_w_avg,
    load_checkpoint,
    load_generator,
    save_checkpoint,
)
from toonmoji.gan.networks import Discriminator, Generator, tiny_networks
from toonmoji.gan.safe_pickle import SafeUnpickler

MAX_DIFF = 1e-5


@pytest.fixture(scope="module")
def nets():
    """A tiny G_ema + D, and a different G (as in a real training snapshot)."""
    G_ema, D = tiny_networks(resolution=16, seed=0)
    G, _ = tiny_networks(resolution=16, seed=1)
    return G_ema, G, D


@pytest.fixture(scope="module")
def files(nets, tmp_path_factory):
    """One fixture file per format, all holding the same networks."""
    G_ema, G, D = nets
    d = tmp_path_factory.mktemp("formats")
    paths = {
        "ada-pytorch": d / "network-snapshot-000100.pkl",
        "tf": d / "stylegan2-tiny-config-f.pkl",
        "rosinality": d / "010000.pt",
        "toonmoji": d / "tiny.pt",
    }
    paths["ada-pytorch"].write_bytes(ada_pickle_bytes(G_ema, G, D))
    paths["tf"].write_bytes(tf_pickle_bytes(G_ema, G, D))
    ros = rosinality_training_checkpoint(G_ema, G, D)
    ros["latent_avg"] = G_ema.mapping.w_avg.clone()  # as convert_weight.py adds; see separate tests
    torch.save(ros, paths["rosinality"])
    save_checkpoint(paths["toonmoji"], G_ema, G, D)
    return paths


def max_image_diff(a: Generator, b: Generator, psi: float = 1.0) -> float:
    z = torch.randn(3, a.z_dim, generator=torch.Generator().manual_seed(123))
    with torch.no_grad():
        return (a(z, truncation_psi=psi) - b(z, truncation_psi=psi)).abs().max().item()


def max_logit_diff(a: Discriminator, b: Discriminator) -> float:
    img = torch.randn(4, 3, a.img_resolution, a.img_resolution, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        return (a(img) - b(img)).abs().max().item()


def assert_same(ckpt, nets) -> None:
    G_ema, G, D = nets
    assert max_image_diff(ckpt.G_ema, G_ema) < MAX_DIFF
    assert max_image_diff(ckpt.G_ema, G_ema, psi=0.6) < MAX_DIFF  # w_avg came through too
    assert max_image_diff(ckpt.G, G) < MAX_DIFF
    assert max_image_diff(ckpt.G, G_ema) > 1e-3  # roles not swapped
    assert max_logit_diff(ckpt.D, D) < MAX_DIFF


def pickle_globals(path: Path) -> set[tuple[str, str]]:
    """Every (module, name) a pickle file asks for."""
    seen: set[tuple[str, str]] = set()

    class Recorder(SafeUnpickler):
        def find_class(self, module, name):
            seen.add((module, name))
            return super().find_class(module, name)

    with open(path, "rb") as f:
        Recorder(f).load()
    return seen


@pytest.mark.parametrize("fmt", ["ada-pytorch", "tf", "rosinality", "toonmoji"])
def test_each_format_loads_to_identical_networks(fmt, files, nets):
    ckpt = load_checkpoint(files[fmt])
    assert ckpt.format == fmt
    assert ckpt.config == nets[0].config
    assert_same(ckpt, nets)


@pytest.mark.parametrize("fmt", ["ada-pytorch", "tf", "rosinality", "toonmoji"])
def test_converting_each_format_to_ours_keeps_images_identical(fmt, files, nets, tmp_path):
    out = tmp_path / "converted.pt"
    convert_checkpoint(files[fmt], out)
    ckpt = load_checkpoint(out)
    assert ckpt.format == "toonmoji"
    assert_same(ckpt, nets)
    assert any(fmt.split("-")[0] in note.lower() or "tensorflow" in note.lower() for note in ckpt.notes)


def test_our_format_is_a_plain_weights_only_file(files, nets):
    data = torch.load(files["toonmoji"], weights_only=True)
    assert data["format"] == "toonmoji-stylegan2"
    assert data["config"]["generator"]["resolution"] == 16
    assert set(data) >= {"G_ema", "G", "D", "w_avg", "config", "version"}
    assert torch.equal(data["w_avg"], nets[0].mapping.w_avg)


def test_ada_pickle_with_python37_protocol(nets, tmp_path):
    path = tmp_path / "ffhq.pkl"
    path.write_bytes(ada_pickle_bytes(nets[0], nets[1], nets[2], protocol=3))
    assert_same(load_checkpoint(path), nets)


def test_fixtures_reference_nvidia_code_exactly_like_real_files(files):
    ada, tf = pickle_globals(files["ada-pytorch"]), pickle_globals(files["tf"])
    assert ("torch_utils.persistence", "_reconstruct_persistent_obj") in ada
    assert ("dnnlib.util", "EasyDict") in ada
    assert ("torch._utils", "_rebuild_parameter") in ada
    assert ("dnnlib.tflib.network", "Network") in tf
    assert ("numpy.core.multiarray", "_reconstruct") in tf
    # Without NVIDIA's code on the path, plain pickle cannot read them, like the real files.
    for path, missing in ((files["ada-pytorch"], "torch_utils"), (files["tf"], "dnnlib")):
        with pytest.raises(ModuleNotFoundError, match=missing):
            pickle.loads(path.read_bytes())


def test_architecture_facts_come_from_the_file_metadata(nets, tmp_path):
    # mapping lr multiplier and clamping change the output but not the tensor shapes:
    # they must be read from the constructor kwargs (ada) and static kwargs (TF).
    G_ema, _, D = nets
    odd = Generator(replace(G_ema.config, mapping_lr=0.03, conv_clamp=0.5)).eval()
    odd.load_state_dict(G_ema.state_dict())
    assert max_image_diff(odd, G_ema) > 1e-2
    (tmp_path / "a.pkl").write_bytes(ada_pickle_bytes(odd, odd, D))
    loaded = load_checkpoint(tmp_path / "a.pkl")
    assert loaded.config.mapping_lr == 0.03 and loaded.config.conv_clamp == 0.5
    assert max_image_diff(loaded.G_ema, odd) < MAX_DIFF
    lr_only = Generator(replace(G_ema.config, mapping_lr=0.03)).eval()
    lr_only.load_state_dict(G_ema.state_dict())
    (tmp_path / "t.pkl").write_bytes(tf_pickle_bytes(lr_only, lr_only, D))
    assert max_image_diff(load_checkpoint(tmp_path / "t.pkl").G_ema, lr_only) < MAX_DIFF


@pytest.mark.parametrize("fmt", ["ada-pytorch", "tf"])
def test_unusual_shapes_are_inferred(fmt, tmp_path):
    torch.manual_seed(3)
    G = Generator(resolution=32, z_dim=24, w_dim=20, mapping_features=28, mapping_layers=3,
                  channel_base=384, channel_max=32).eval()  # 32 px: 12 channels; 4-8 px: 32
    D = Discriminator(resolution=32, channel_base=384, channel_max=32, mbstd_group_size=2).eval()
    path = tmp_path / "net.pkl"
    path.write_bytes(ada_pickle_bytes(G, G, D) if fmt == "ada-pytorch" else tf_pickle_bytes(G, G, D))
    ckpt = load_checkpoint(path)
    assert ckpt.config == G.config
    assert ckpt.D.config == D.config
    assert max_image_diff(ckpt.G_ema, G) < MAX_DIFF
    assert max_logit_diff(ckpt.D, D) < MAX_DIFF


def test_rosinality_training_checkpoint_without_latent_avg(nets, tmp_path):
    G_ema, G, D = nets
    path = tmp_path / "550000.pt"
    torch.save(rosinality_training_checkpoint(G_ema, G, D), path)  # has args (a Namespace)
    ckpt = load_checkpoint(path)
    assert max_image_diff(ckpt.G_ema, G_ema) < MAX_DIFF  # psi = 1 needs no w_avg
    assert max_logit_diff(ckpt.D, D) < MAX_DIFF
    assert torch.allclose(ckpt.G_ema.w_avg, estimate_w_avg(G_ema), atol=1e-6)
    assert any("estimated" in n for n in ckpt.notes)


@pytest.mark.parametrize("zip_format", [True, False], ids=["torch>=1.6", "legacy torch.save"])
def test_rosinality_converted_checkpoint_with_latent_avg(zip_format, nets, tmp_path):
    # convert_weight.py files from 2020 predate torch's zip format.
    G_ema = nets[0]
    path = tmp_path / "stylegan2-ffhq-config-f.pt"
    torch.save(rosinality_converted_checkpoint(G_ema), path, _use_new_zipfile_serialization=zip_format)
    ckpt = load_checkpoint(path)
    assert ckpt.G is None and ckpt.D is None
    assert max_image_diff(ckpt.G_ema, G_ema, psi=0.5) < MAX_DIFF
    assert max_image_diff(load_generator(path), G_ema) < MAX_DIFF


# ---------------------------------------------------------------------------------------------
# Refusals: one line, naming what is wrong


def refused(path: Path, match: str) -> str:
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_garbage_and_empty_files(tmp_path):
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(bytes(range(256)) * 40)
    refused(garbage, "not a StyleGAN2 checkpoint")
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ToonmojiError, match="empty"):
        load_checkpoint(empty)


@pytest.mark.parametrize("fmt", ["ada-pytorch", "tf", "rosinality", "toonmoji"])
def test_truncated_files(fmt, files, tmp_path):
    data = files[fmt].read_bytes()
    cut = tmp_path / f"cut{files[fmt].suffix}"
    cut.write_bytes(data[: len(data) // 2])
    refused(cut, "truncated|corrupt")


def test_wrong_role_in_an_ada_pickle(nets, tmp_path):
    G_ema, G, D = nets
    path = tmp_path / "swapped.pkl"
    path.write_bytes(ada_pickle_bytes(G_ema, G, D, roles={"G_ema": D}))
    refused(path, "G_ema in swapped.pkl is a Discriminator, not a Generator")


def test_discriminator_weights_given_as_a_rosinality_generator(nets, tmp_path):
    path = tmp_path / "wrong.pt"
    torch.save({"g_ema": rosinality_discriminator(nets[2])}, path)
    message = refused(path, "g_ema in wrong.pt is not a rosinality generator")
    assert "style.1.weight" in message and "convs.0.0.weight" in message


def test_missing_and_unexpected_tensors_are_named(nets, tmp_path):
    G_ema = nets[0]
    ckpt = rosinality_converted_checkpoint(G_ema)
    del ckpt["g_ema"]["convs.1.conv.weight"]
    ckpt["g_ema"]["convs.1.conv.extra"] = torch.zeros(2, 5)
    torch.save(ckpt, tmp_path / "holes.pt")
    message = refused(tmp_path / "holes.pt", "missing tensors")
    assert "convs.1.conv.weight" in message and "convs.1.conv.extra [2, 5]" in message

    net = tf_generator(G_ema, "Gs")
    net._state["components"]["synthesis"]._state["variables"].append(("8x8/Extra/weight", torch.zeros(7).numpy()))
    (tmp_path / "extra.pkl").write_bytes(dumps((tf_generator(G_ema, "G"), tf_discriminator(nets[2]), net)))
    refused(tmp_path / "extra.pkl", r"unexpected tensors: synthesis/8x8/Extra/weight \[7\]")


def test_wrong_shapes_are_named(nets, tmp_path):
    data = checkpoint_dict(nets[0])
    data["G_ema"]["synthesis.b8.conv0.weight"] = torch.zeros(3, 3)
    torch.save(data, tmp_path / "bent.pt")
    refused(tmp_path / "bent.pt", r"synthesis.b8.conv0.weight \[3, 3\] \(expected \[32, 32, 3, 3\]\)")


def test_unsupported_variants_are_refused_clearly(nets, tmp_path):
    G_ema, G, D = nets
    path = tmp_path / "conditional.pkl"
    path.write_bytes(ada_pickle_bytes(G_ema, G, D, overrides={"Generator": {"c_dim": 10}}))
    refused(path, "c_dim")
    path.write_bytes(ada_pickle_bytes(G_ema, G, D, overrides={"Discriminator": {"architecture": "skip"}}))
    refused(path, "architecture")


def test_files_without_a_generator(nets, tmp_path):
    torch.save({"model": {"weight": torch.zeros(2)}}, tmp_path / "other.pt")
    refused(tmp_path / "other.pt", "no StyleGAN2 networks in a known format")
    torch.save({"d": rosinality_discriminator(nets[2])}, tmp_path / "d_only.pt")
    refused(tmp_path / "d_only.pt", "no generator")


def test_saving_never_overwrites_without_force(nets, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, nets[0])
    with pytest.raises(ToonmojiError, match="exists"):
        save_checkpoint(path, nets[0])
    save_checkpoint(path, nets[1], force=True)
    assert max_image_diff(load_generator(path), nets[1]) < MAX_DIFF
