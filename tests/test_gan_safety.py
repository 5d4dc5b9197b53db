"""Loading a checkpoint never runs code from the file: malicious pickles are refused up front."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import subprocess

import pytest
import torch

from gan_formats import ada_pickle_bytes, tf_pickle_bytes
from toonmoji.errors import CheckpointError
from toonmoji.gan.checkpoints import load_checkpoint
from toonmoji.gan.networks import tiny_networks


class Reduces:
    """An object whose unpickling calls `func(*args)`: the classic pickle exploit."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def exploits(marker):
    """Ways a pickle can try to create `marker` while being loaded."""
    return {
        "os.system": Reduces(os.system, f"touch {marker}"),
        "builtins.eval": Reduces(builtins.eval, f"open({str(marker)!r}, 'w').close()"),
        "builtins.exec": Reduces(builtins.exec, f"open({str(marker)!r}, 'w').close()"),
        "subprocess.Popen": Reduces(subprocess.Popen, ["touch", str(marker)]),
    }


@pytest.fixture(scope="module")
def nets():
    return tiny_networks(resolution=8, channels=8, latent=8)


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen"])
def test_malicious_pickle_is_refused_and_nothing_runs(kind, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "ffhq.pkl"
    path.write_bytes(pickle.dumps({"G_ema": exploits(marker)[kind]}, protocol=4))
    with pytest.raises(CheckpointError, match="refused: the file asks to run") as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)
    assert not marker.exists()
    if kind != "subprocess.Popen":  # control: the payload is live; plain pickle would run it
        pickle.loads(path.read_bytes())
        assert marker.exists()


def test_exploit_hidden_beside_real_networks_is_refused(nets, tmp_path):
    marker = tmp_path / "pwned"
    G, D = nets
    path = tmp_path / "snapshot.pkl"
    path.write_bytes(ada_pickle_bytes(G, G, D, roles={"training_set_kwargs": {"x": exploits(marker)["os.system"]}}))
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(path)
    assert not marker.exists()


def test_embedded_source_code_is_never_executed(nets, tmp_path):
    # Both NVIDIA formats carry source code that their own loaders exec(); ours must not.
    marker = tmp_path / "pwned"
    G, D = nets
    source = f"open({str(marker)!r}, 'w').close()\n"
    (tmp_path / "ada.pkl").write_bytes(ada_pickle_bytes(G, G, D, module_src=source))
    (tmp_path / "tf.pkl").write_bytes(tf_pickle_bytes(G, G, D, source=source))
    for name in ("ada.pkl", "tf.pkl"):
        assert load_checkpoint(tmp_path / name).G_ema is not None
    assert not marker.exists()


def test_exploit_inside_a_tensor_storage_is_refused(tmp_path):
    # Pickled tensors carry their storage as a nested torch.save stream, which torch itself
    # would read with weights_only=False.
    marker = tmp_path / "pwned"
    inner = io.BytesIO()
    torch.save({"storage": exploits(marker)["os.system"]}, inner, _use_new_zipfile_serialization=False)
    path = tmp_path / "tensor.pkl"
    path.write_bytes(pickle.dumps({"G_ema": Reduces(torch.storage._load_from_bytes, inner.getvalue())}))
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(path)
    assert not marker.exists()


def test_malicious_torch_file_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "g.pt"
    torch.save({"g_ema": exploits(marker)["os.system"]}, path)
    with pytest.raises(CheckpointError, match=r"refused: the file asks to run \S*system"):
        load_checkpoint(path)
    assert not marker.exists()
