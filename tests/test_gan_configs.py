"""Fine-tuning defaults, precision and sampling pinned to NVIDIA's StyleGAN2-ADA (no NVIDIA code).

tests/data/nvidia_configs.json was made once, outside this repository, by running NVIDIA's
stylegan2-ada-pytorch (commit d72cc7d) with PyTorch 2.13 on CPU:
- `train.setup_training_loop_kwargs(gpus, data, cfg, resume)` for every `--cfg`, data sets of
  32, 256 and 1024 px and 1 and 2 GPUs, with and without `--resume` ("configs"; plus an `auto`
  run with `--batch 4 --gamma 3` ("overrides") and one with `--fp32`);
- the defaults of `training_loop.training_loop` and `loss.StyleGAN2Loss` (read by `inspect`);
- `training.networks.Generator` / `Discriminator` at 32 and 256 px as train.py builds them
  (`num_fp16_res=4, conv_clamp=256`): which blocks use float16 and every layer's clamp;
- `torch_utils.misc.InfiniteSampler` index streams for a few sizes, ranks and seeds.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from toonmoji.gan import networks
from toonmoji.gan.configs import CFG_NAMES, FinetuneConfig, base_spec, describe, resolve
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.sampler import InfiniteSampler, gather
from toonmoji.gan.train import Finetuner, prepare_networks

NVIDIA = json.loads((Path(__file__).parent / "data" / "nvidia_configs.json").read_text())
FINETUNE_CASES = [c for c in NVIDIA["configs"] if c["resume"]]  # fine-tuning is NVIDIA's --resume


def test_the_fixture_covers_every_cfg_at_two_resolutions_and_two_process_counts():
    seen = {(c["cfg"], c["resolution"], c["gpus"]) for c in FINETUNE_CASES}
    assert {cfg for cfg, _, _ in seen} == set(CFG_NAMES)
    assert {(r, g) for _, r, g in seen} >= {(256, 1), (256, 2), (1024, 1), (1024, 2)}


@pytest.mark.parametrize("case", FINETUNE_CASES, ids=lambda c: f"{c['cfg']}-{c['resolution']}px-{c['gpus']}gpu")
def test_resolved_settings_are_nvidias(case):
    cfg = resolve(FinetuneConfig(cfg=case["cfg"]), case["resolution"], case["gpus"])
    loss = NVIDIA["loss_defaults"]
    assert cfg.batch == case["batch_size"] and cfg.batch_gpu == case["batch_gpu"]
    assert cfg.lr == case["lr"] == case["d_lr"]
    assert cfg.r1_gamma == pytest.approx(case["r1_gamma"], rel=1e-12)
    assert cfg.ema_kimg == pytest.approx(case["ema_kimg"], rel=1e-12)
    assert cfg.ema_rampup == case["ema_rampup"]  # None: --resume turns the ramp-up off
    assert cfg.mbstd_group == case["mbstd_group_size"]
    pl_weight = case["pl_weight"] if case["pl_weight"] is not None else loss["pl_weight"]
    mixing = case["style_mixing_prob"] if case["style_mixing_prob"] is not None else loss["style_mixing_prob"]
    assert (cfg.pl_weight, cfg.mixing) == (pl_weight, mixing)
    assert (cfg.ada_kimg, cfg.ada_target) == (case["ada_kimg"], case["ada_target"])
    assert cfg.augment_p == (case["augment_p"] or 0)
    assert cfg.fp16_res == case["num_fp16_res"] == case["d_num_fp16_res"]
    spec = base_spec(case["cfg"], case["resolution"], case["gpus"])
    assert spec.map == case["mapping_layers"] and int(spec.fmaps * 32768) == case["channel_base"]
    assert spec.kimg == case["total_kimg"]
    shown = describe(cfg, case["resolution"], case["gpus"], "cuda", 8, None)
    assert shown["precision"]["conv_clamp"] == case["conv_clamp"] == case["d_conv_clamp"]
    assert shown["precision"]["tf32"] is bool(case["allow_tf32"])


def test_the_training_loop_constants_are_nvidias():
    """Changing r1_interval, pl_interval, ada_interval, pl_batch_shrink, pl_decay or the Adam
    settings fails here."""
    loop, loss = NVIDIA["training_loop_defaults"], NVIDIA["loss_defaults"]
    cfg = FinetuneConfig()
    assert (cfg.r1_interval, cfg.pl_interval) == (loop["D_reg_interval"], loop["G_reg_interval"])
    assert cfg.ada_interval == loop["ada_interval"] and cfg.augment_p == loop["augment_p"]
    assert (cfg.pl_batch_shrink, cfg.pl_decay) == (loss["pl_batch_shrink"], loss["pl_decay"])
    assert cfg.ada_kimg == 100 != loop["ada_kimg"]  # 500 from scratch, 100 with --resume (train.py)
    assert cfg.ema_rampup is None and cfg.fp16_res == 4 and cfg.mirror is False
    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(G, D, FinetuneConfig(cfg="paper256"))
    case = next(c for c in FINETUNE_CASES if c["cfg"] == "paper256")
    for opt, interval in ((tuner.opt_g, loop["G_reg_interval"]), (tuner.opt_d, loop["D_reg_interval"])):
        ratio = interval / (interval + 1)  # NVIDIA's lazy-regularisation scaling
        group = opt.param_groups[0]
        assert group["lr"] == pytest.approx(case["lr"] * ratio, rel=1e-12)
        assert group["betas"] == pytest.approx([b**ratio for b in case["betas"]], rel=1e-12)
        assert group["eps"] == case["eps"]


@pytest.mark.parametrize("case", NVIDIA["overrides"], ids=lambda c: f"{c['resolution']}px")
def test_explicit_batch_and_gamma_override_like_nvidias(case):
    """--batch sets the batch but, as in train.py, leaves EMA, mbstd and lr as auto made them."""
    cfg = resolve(FinetuneConfig(batch=case["batch"], r1_gamma=case["gamma"]), case["resolution"], 1)
    assert (cfg.batch, cfg.batch_gpu, cfg.r1_gamma) == (case["batch_size"], case["batch_gpu"], case["r1_gamma"])
    assert (cfg.ema_kimg, cfg.mbstd_group, cfg.lr) == (case["ema_kimg"], case["mbstd_group_size"], case["lr"])
    explicit = resolve(FinetuneConfig(lr=0.001, ema_kimg=2.0, mixing=0.5, mbstd_group=2, batch_gpu=2), 256, 1)
    assert (explicit.lr, explicit.ema_kimg, explicit.mixing, explicit.mbstd_group) == (0.001, 2.0, 0.5, 2)
    assert (explicit.batch, explicit.batch_gpu) == (16, 2)


@pytest.mark.parametrize("fp32", NVIDIA["fp32"], ids=lambda c: f"{c['resolution']}px")
def test_fp16_res_0_is_nvidias_fp32(fp32):
    cfg = resolve(FinetuneConfig(fp16_res=0), fp32["resolution"], 1)
    shown = describe(cfg, fp32["resolution"], 1, "cuda", 8, None)
    assert cfg.fp16_res == fp32["num_fp16_res"]
    assert shown["precision"]["fp16_resolutions"] == [] and shown["precision"]["conv_clamp"] == fp32["conv_clamp"]


@pytest.mark.parametrize("bad", [{"batch": 6, "batch_gpu": 4}, {"batch": 8, "batch_gpu": 3}, {"cfg": "huge"}])
def test_settings_that_cannot_work_are_refused(bad):
    from toonmoji.errors import InputError

    with pytest.raises(InputError):
        resolve(FinetuneConfig(**bad), 256, 1)


# --- precision ------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", NVIDIA["networks"], ids=lambda n: f"{n['resolution']}px")
def test_mixed_precision_marks_and_clamps_the_layers_nvidia_does(ref):
    res = ref["resolution"]
    G, D = tiny_networks(resolution=res, channels=4)
    cfg = resolve(FinetuneConfig(), res, 1)
    G, D, G_ema = prepare_networks(G, D, copy.deepcopy(G), cfg, mixed_precision=True)
    for net in (G, G_ema):
        assert {f"b{r}": net.synthesis.get_submodule(f"b{r}").use_fp16 for r in net.synthesis.block_resolutions} == ref["G_fp16"]
        clamps = {n: m.conv_clamp for n, m in net.named_modules() if n.endswith(("conv0", "conv1", "torgb"))}
        assert clamps == ref["G_clamp"]
    assert {f"b{r}": D.get_submodule(f"b{r}").use_fp16 for r in D.block_resolutions} == ref["D_fp16"]
    clamps = {n: m.conv_clamp for n, m in D.named_modules() if n.endswith(("fromrgb", "conv0", "conv1", "skip", "b4.conv"))}
    assert clamps == ref["D_clamp"]
    assert D.b4.mbstd.group_size == cfg.mbstd_group


def test_on_a_cpu_fine_tuning_stays_float32_and_exact():
    """The default fp16_res=4 changes nothing on a CPU: no clamp, no float16, the same numbers."""
    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(copy.deepcopy(G), copy.deepcopy(D), FinetuneConfig(batch=4))
    assert not tuner.mixed_precision and tuner.G.config.conv_clamp is None and tuner.D.config.conv_clamp is None
    assert not any(getattr(m, "use_fp16", False) for m in tuner.G.modules())
    # a network marked for float16 still computes in float32, bit for bit, on a CPU
    marked = copy.deepcopy(G)
    networks.set_fp16(marked, 4)
    assert marked.synthesis.b16.use_fp16
    z = torch.randn(2, G.z_dim)
    assert torch.equal(marked(z), G(z))


def test_the_float16_path_is_sound(monkeypatch):
    """What CUDA would run, forced on the CPU: float16 blocks (with NVIDIA's pre-normalisation
    of styles and weights) give the float32 images and logits to float16 accuracy, and the
    image and the logits stay float32."""
    G, D = tiny_networks(resolution=32, channels=16)
    with torch.no_grad():
        for p in G.parameters():
            p.mul_(4)  # styles and weights well above 1, where float16 needs the pre-normalisation
    z = torch.randn(4, G.z_dim, generator=torch.Generator().manual_seed(0))
    ref_img = G(z).detach()
    ref_logits = D(ref_img).detach()
    monkeypatch.setattr(networks, "block_dtype", lambda use_fp16, device: torch.float16 if use_fp16 else torch.float32)
    for net in (G, D):
        networks.set_fp16(net, 4)
    img = G(z)
    logits = D(ref_img)
    assert img.dtype == torch.float32 and logits.dtype == torch.float32
    assert torch.isfinite(img).all()
    assert (img - ref_img).abs().max() < 2e-2 * ref_img.abs().max()
    assert (logits - ref_logits).abs().max() < 2e-2 * ref_logits.abs().max() + 1e-3


# --- sampler --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", NVIDIA["sampler"], ids=lambda s: f"n{s['size']}-r{s['rank']}of{s['replicas']}-s{s['seed']}")
def test_the_sampler_gives_nvidias_index_stream(ref):
    sampler = InfiniteSampler(ref["size"], ref["rank"], ref["replicas"], ref["seed"])
    got = sampler.take(15) + sampler.take(25)
    assert got == ref["indices"]


def test_the_sampler_resumes_where_it_stopped_on_every_rank():
    whole = [InfiniteSampler(12, rank, 4, seed=1) for rank in range(4)]
    streams = [s.take(9) for s in whole]
    saved = copy.deepcopy(InfiniteSampler(12, 0, 4, seed=1))
    saved.take(3)
    state = saved.state_dict()  # rank 0 after 3 steps of 3 images (what resume.pt holds)
    for rank in range(4):
        resumed = InfiniteSampler(12, rank, 4, seed=1)
        resumed.load_state_dict(state)
        resumed.skip(rank)  # as Finetuner.next_reals does on resume
        assert resumed.take(6) == streams[rank][3:], rank


def test_mirror_doubles_the_data_with_flipped_copies(tmp_path):
    images = torch.arange(2 * 3 * 2 * 4, dtype=torch.float32).reshape(2, 3, 2, 4)
    out = gather(images, [1, 2, 3, 0])
    assert torch.equal(out[0], images[1]) and torch.equal(out[3], images[0])
    assert torch.equal(out[1], images[0].flip(-1)) and torch.equal(out[2], images[1].flip(-1))
    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(G, D, FinetuneConfig(batch=4, mirror=True, seed=3))
    reals = torch.rand(3, 3, 16, 16)
    seen = torch.cat([tuner.next_reals(reals) for _ in range(6)])
    flipped = [any(torch.equal(x, r.flip(-1)) for r in reals) for x in seen]
    plain = [any(torch.equal(x, r) for r in reals) for x in seen]
    assert all(f or p for f, p in zip(flipped, plain)) and any(flipped) and any(plain)
    counts = [sum(torch.equal(x, r) or torch.equal(x, r.flip(-1)) for x in seen[:6]) for r in reals]
    assert counts == [2, 2, 2]  # the first pass over the 6 indices shows each image twice


def test_print_config_shows_nvidias_auto_values(tmp_path, cli, monkeypatch):
    from toonmoji.gan.checkpoints import save_checkpoint

    for res in (32, 256):
        G, D = tiny_networks(resolution=res, channels=4)
        base = save_checkpoint(tmp_path / f"base{res}.pt", G, G, D)
        for gpus in (1, 2):
            monkeypatch.setenv("WORLD_SIZE", str(gpus))
            code, out, err = cli("gan", "finetune", "--base", base, "--print-config", "--device", "cuda")
            assert code == 0, err
            shown = json.loads(out)
            ref = next(c for c in FINETUNE_CASES if (c["cfg"], c["resolution"], c["gpus"]) == ("auto", res, gpus))
            assert (shown["batch"], shown["lr"], shown["ema_kimg"]) == (ref["batch_size"], ref["lr"], ref["ema_kimg"])
            assert shown["r1_gamma"] == pytest.approx(ref["r1_gamma"])
            assert shown["mapping_layers"] == 2 and shown["precision"]["conv_clamp"] == 256
    monkeypatch.setenv("WORLD_SIZE", "1")
    code, out, _ = cli("gan", "finetune", "--base", base, "--print-config", "--cfg", "paper256", "--lr", "0.001")
    shown = json.loads(out)
    assert (shown["batch"], shown["batch_gpu"], shown["r1_gamma"], shown["lr"]) == (64, 8, 1, 0.001)
    assert shown["precision"] == {"fp16_resolutions": [], "conv_clamp": None, "tf32": False}  # CPU
