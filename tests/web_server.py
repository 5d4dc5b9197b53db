"""A real `toonmoji serve` in a subprocess on a free loopback port, for the web tests."""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

RES = 32  # tiny generators stand in for StyleGAN2 weights (as in test_toonify.py)


@dataclass
class Server:
    process: subprocess.Popen
    url: str  # http(s)://127.0.0.1:PORT/, without the token
    log: Path
    token: str | None = None  # the token in the printed address, if any
    cafile: Path | None = None  # the self-signed certificate of an --https server

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def ssl_context(self) -> ssl.SSLContext | bool:
        """Trust the server's own certificate and nothing else (hostname checked as well)."""
        return ssl.create_default_context(cafile=str(self.cafile)) if self.cafile else True

    def client(self, **kwargs: object) -> httpx.Client:
        """An HTTP client on the server that sends its token, as a script would."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, verify=self.ssl_context(), **kwargs)

    def rss_mb(self) -> float:
        """Resident memory of the server process (Linux /proc)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024

    def alive(self) -> bool:
        if self.process.poll() is not None:
            return False
        with self.client(timeout=10) as client:
            return client.get("api/health").json()["status"] == "ok"


@contextlib.contextmanager
def running_server(folder: Path, *args: str, timeout: float = 60.0) -> Iterator[Server]:
    """Start `python -m toonmoji serve --port 0 ARGS`; yield once it answers; stop it after. The
    server's config folder (where --https keeps its certificate) is `folder`/config."""
    folder.mkdir(parents=True, exist_ok=True)
    out, err = folder / "server.out", folder / "server.err"
    env = dict(os.environ, PYTHONUNBUFFERED="1", TOONMOJI_CONFIG=str(folder / "config"))
    src = str(Path(__file__).resolve().parents[1] / "src")  # this checkout's code, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    with open(out, "wb") as fout, open(err, "wb") as ferr:
        process = subprocess.Popen([sys.executable, "-m", "toonmoji", "serve", "--port", "0", *args],
                                   stdout=fout, stderr=ferr, env=env)
    try:
        url, token = _wait_for_url(process, out, err, timeout)
        cafile = folder / "config" / "tls" / "cert.pem"
        yield Server(process, url, err, token, cafile if url.startswith("https") and cafile.exists() else None)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process: subprocess.Popen, out: Path, err: Path, timeout: float) -> tuple[str, str | None]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"(https?://127\.0\.0\.1:\d+/)(?:\?token=([\w.~-]+))?(?=\s)", out.read_text())
        if found:
            return found.group(1), found.group(2)
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {err.read_text()[-2000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"server did not start in {timeout:.0f} s: {err.read_text()[-2000:]}")


def tiny_model_files(folder: Path) -> tuple[Path, Path]:
    """A base checkpoint (with its discriminator) and a toon generator, 32 px."""
    from toonmoji.gan.checkpoints import save_checkpoint
    from toonmoji.gan.networks import tiny_networks

    G_a, D = tiny_networks(resolution=RES, seed=1)
    G_b, _ = tiny_networks(resolution=RES, seed=2)
    return save_checkpoint(folder / "base.pt", G_a, G_a, D), save_checkpoint(folder / "toon.pt", G_b)
