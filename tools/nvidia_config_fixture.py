"""Regenerate tests/data/nvidia_configs.json from NVIDIA's stylegan2-ada-pytorch (run once, offline).

Not part of the package or the tests: it imports NVIDIA's code from a checkout given as the first
argument (e.g. commit d72cc7d) and writes the numbers its option parser, networks and sampler
produce. No NVIDIA code is stored in this repository.

    python tools/nvidia_config_fixture.py /path/to/stylegan2-ada-pytorch tests/data/nvidia_configs.json
"""
# ruff: noqa  (a one-off script around NVIDIA's code, kept as it was run)
import inspect, json, sys, types, os, tempfile
sys.modules['psutil'] = types.ModuleType('psutil')
sys.path.insert(0, sys.argv[1])
import numpy as np, PIL.Image
import train
from training import training_loop, loss as nvloss

out = {"training_loop_defaults": {}, "loss_defaults": {}, "configs": []}
for k, p in inspect.signature(training_loop.training_loop).parameters.items():
    if isinstance(p.default, (int, float, bool, type(None))):
        out["training_loop_defaults"][k] = p.default
for k, p in inspect.signature(nvloss.StyleGAN2Loss.__init__).parameters.items():
    if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
        out["loss_defaults"][k] = p.default
tmp = tempfile.mkdtemp()
for res in (32, 256, 1024):
    d = os.path.join(tmp, f"r{res}"); os.makedirs(d)
    PIL.Image.fromarray(np.zeros((res, res, 3), np.uint8)).save(os.path.join(d, "a.png"))
    for gpus in (1, 2):
        for cfg in ('auto', 'stylegan2', 'paper256', 'paper512', 'paper1024', 'cifar'):
            for resume in (None, 'base.pkl'):
                _, a = train.setup_training_loop_kwargs(gpus=gpus, data=d, cfg=cfg, resume=resume, metrics=[])
                out["configs"].append(dict(
                    cfg=cfg, resolution=res, gpus=gpus, resume=resume is not None,
                    batch_size=a.batch_size, batch_gpu=a.batch_gpu, total_kimg=a.total_kimg,
                    ema_kimg=a.ema_kimg, ema_rampup=a.ema_rampup,
                    lr=a.G_opt_kwargs.lr, d_lr=a.D_opt_kwargs.lr, betas=list(a.G_opt_kwargs.betas), eps=a.G_opt_kwargs.eps,
                    r1_gamma=a.loss_kwargs.r1_gamma, pl_weight=a.loss_kwargs.get('pl_weight'),
                    style_mixing_prob=a.loss_kwargs.get('style_mixing_prob'),
                    d_architecture=a.D_kwargs.get('architecture'),
                    mbstd_group_size=a.D_kwargs.epilogue_kwargs.mbstd_group_size,
                    mapping_layers=a.G_kwargs.mapping_kwargs.num_layers,
                    channel_base=a.G_kwargs.synthesis_kwargs.channel_base,
                    num_fp16_res=a.G_kwargs.synthesis_kwargs.num_fp16_res, d_num_fp16_res=a.D_kwargs.num_fp16_res,
                    conv_clamp=a.G_kwargs.synthesis_kwargs.conv_clamp, d_conv_clamp=a.D_kwargs.conv_clamp,
                    ada_target=a.get('ada_target'), ada_kimg=a.get('ada_kimg'), augment_p=a.get('augment_p'),
                    allow_tf32=a.get('allow_tf32')))
                if cfg == 'auto' and resume is None and gpus == 1:
                    _, a = train.setup_training_loop_kwargs(gpus=1, data=d, cfg=cfg, resume='b.pkl', metrics=[], fp32=True)
                    out.setdefault("fp32", []).append(dict(resolution=res, num_fp16_res=a.G_kwargs.synthesis_kwargs.num_fp16_res, conv_clamp=a.G_kwargs.synthesis_kwargs.conv_clamp))
                    _, a = train.setup_training_loop_kwargs(gpus=1, data=d, cfg=cfg, resume='b.pkl', metrics=[], batch=4, gamma=3.0)
                    out.setdefault("overrides", []).append(dict(resolution=res, batch=4, gamma=3.0, batch_size=a.batch_size, batch_gpu=a.batch_gpu, r1_gamma=a.loss_kwargs.r1_gamma, ema_kimg=a.ema_kimg, mbstd_group_size=a.D_kwargs.epilogue_kwargs.mbstd_group_size, lr=a.G_opt_kwargs.lr))
json.dump(out, open(sys.argv[2], "w"), indent=1)
print(len(out["configs"]), out["training_loop_defaults"], out["loss_defaults"])

# --- per-block float16 and per-layer conv clamp of NVIDIA's networks as train.py builds them
from training import networks as nvnet
from torch_utils import misc
out["networks"] = []
for res in (32, 256):
    G = nvnet.Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=res, img_channels=3,
                        mapping_kwargs=dict(num_layers=2), synthesis_kwargs=dict(channel_base=4096, channel_max=4, num_fp16_res=4, conv_clamp=256))
    D = nvnet.Discriminator(c_dim=0, img_resolution=res, img_channels=3, channel_base=4096, channel_max=4,
                            num_fp16_res=4, conv_clamp=256, epilogue_kwargs=dict(mbstd_group_size=4))
    entry = dict(resolution=res,
        G_fp16={n: m.use_fp16 for n, m in G.synthesis.named_children()},
        D_fp16={n: m.use_fp16 for n, m in D.named_children() if hasattr(m, "use_fp16")},
        G_clamp={n: m.conv_clamp for n, m in G.named_modules() if hasattr(m, "conv_clamp") and not hasattr(m, "use_fp16")},
        D_clamp={n: m.conv_clamp for n, m in D.named_modules() if hasattr(m, "conv_clamp") and not hasattr(m, "use_fp16") and n != ""})
    out["networks"].append(entry)

# --- NVIDIA's InfiniteSampler index streams
import torch
torch.utils.data.Sampler.__init__ = lambda self, *a, **k: None  # newer torch takes no data source
out["sampler"] = []
for size, replicas, seed in ((7, 2, 3), (5, 1, 0), (1, 1, 0), (12, 4, 1)):
    for rank in range(replicas):
        it = iter(misc.InfiniteSampler(list(range(size)), rank=rank, num_replicas=replicas, seed=seed))
        out["sampler"].append(dict(size=size, replicas=replicas, seed=seed, rank=rank, indices=[int(next(it)) for _ in range(40)]))
json.dump(out, open(sys.argv[2], "w"), indent=1)
print(out["networks"][1])
