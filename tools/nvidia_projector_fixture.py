"""Regenerate tests/data/nvidia_projector.{json,npz}: NVIDIA's projector.project() (run once, offline).

Imports NVIDIA's stylegan2-ada-pytorch from the checkout given as the first argument; the VGG16
download is replaced by the stand-in feature function also used in
tests/test_toonify_projector_nvidia.py. Writes into the folder given as the second argument.

    python tools/nvidia_projector_fixture.py /path/to/stylegan2-ada-pytorch tests/data
"""
# ruff: noqa  (a one-off script around NVIDIA's code, kept as it was run)
import json, sys, types
sys.modules['psutil'] = types.ModuleType('psutil')
sys.path.insert(0, sys.argv[1])
import numpy as np, torch, torch.nn.functional as F
import dnnlib, projector
from training import networks as nvnet

arr = np.load(sys.argv[2] + '/nvidia_training.npz')
G = nvnet.Generator(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
                    mapping_kwargs=dict(num_layers=2), synthesis_kwargs=dict(channel_base=256, channel_max=16))
sd = {k[len('G_ema.'):]: torch.from_numpy(arr[k]) for k in arr.files if k.startswith('G_ema.')}
missing = G.load_state_dict(sd, strict=False); print(missing)
G.eval().requires_grad_(False)

def features(images):  # images (N, 3, H, W) in [0, 255] -> (N, F): the VGG16 stand-in
    x = images / 127.5 - 1
    a = F.avg_pool2d(x, 2)
    f = a / (a.square().sum(1, keepdim=True) + 1e-8).sqrt()
    return torch.cat([f.flatten(1), a.flatten(1)], 1)

dists = []
class StandIn(torch.nn.Module):
    def forward(self, images, resize_images=False, return_lpips=True):
        out = features(images)
        if not hasattr(self, 'target'):
            self.target = out.detach()
        else:
            dists.append(float((self.target - out).square().sum()))
        return out
standin = StandIn()
class _Ctx:
    def __enter__(self): return None
    def __exit__(self, *a): return False
dnnlib.util.open_url = lambda url: _Ctx()
torch.jit.load = lambda f: standin

log = {"lr": [], "grad_norms": [], "params_after": []}
class RecordingAdam(torch.optim.Adam):
    def step(self, *a, **k):
        log["lr"].append(self.param_groups[0]['lr'])
        log["grad_norms"].append([float(p.grad.norm()) for p in self.param_groups[0]['params']])
        return super().step(*a, **k)
    def __init__(self, params, **kw):
        super().__init__(params, **kw)
        log["opt"] = self
projector.torch.optim.Adam = RecordingAdam

target01 = torch.from_numpy(arr['reals'])[0, 1]  # (3, 16, 16) in [-1, 1]
target = (target01 + 1) * 127.5
# w statistics exactly as project() computes them (recorded so the test can supply them)
z = np.random.RandomState(123).randn(10000, 16)
w = G.mapping(torch.from_numpy(z), None)[:, :1, :].cpu().numpy().astype(np.float32)
w_avg = np.mean(w, axis=0, keepdims=True)
w_std = (np.sum((w - w_avg) ** 2) / 10000) ** 0.5
steps = 40
torch.manual_seed(0)
w_out = projector.project(G, target, num_steps=steps, device=torch.device('cpu'))
params = log["opt"].param_groups[0]['params']
out = {"steps": steps, "seed": 0, "w_std": float(w_std), "lr": log["lr"], "grad_norms": log["grad_norms"], "dist": dists,
       "defaults": dict(num_steps=1000, w_avg_samples=10000, initial_learning_rate=0.1, initial_noise_factor=0.05,
                        lr_rampdown_length=0.25, lr_rampup_length=0.05, noise_ramp_length=0.75, regularize_noise_weight=1e5)}
import inspect
sig = inspect.signature(projector.project).parameters
out["defaults"] = {k: sig[k].default for k in out["defaults"]}
json.dump(out, open(sys.argv[2] + '/nvidia_projector.json', 'w'), indent=1)
np.savez_compressed(sys.argv[2] + '/nvidia_projector.npz', target=target01.numpy().astype(np.float32), w_avg=w_avg.reshape(1, 16),
                    w_out=w_out.numpy(), **{f"noise{i}": p.detach().numpy() for i, p in enumerate(params[1:])})
print(out["lr"][:4], out["dist"][:3], out["dist"][-1], len(params), w_std)
