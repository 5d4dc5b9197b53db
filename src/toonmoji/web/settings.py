"""What a web server was started with: limits, where (if anywhere) uploads are kept, toon models,
the token."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toonmoji.toonify.models import ToonModels
    from toonmoji.toonify.project import ProjectConfig

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_FRAME_BYTES = 4 * 2**20  # a live camera frame; the page sends ~50 KB JPEGs


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the server to this machine."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


TOONIFY_SETUP = (
    "toonify needs a base and a toon model: make the toon model with `toonmoji gan finetune` and "
    "`toonmoji gan blend` (see the README), then start `toonmoji serve --base BASE --toon TOON`"
)


@dataclass
class WebSettings:
    """Settings of one server. Defaults are the safe ones: small uploads, nothing kept on disk."""

    max_upload_bytes: int = 20 * 2**20
    max_pixels: int = 40_000_000  # a decoded photo's width x height
    analysis_side: int = 2048  # larger photos are shrunk to this longest side before analysis
    keep_uploads: Path | None = None  # the user asked to keep every upload here
    toon_models: ToonModels | None = None
    project_steps: int | None = None  # None: as many as `quality` sets
    quality: str = "fast"  # projection quality of toonify jobs (fast: coarse-to-fine; best: full resolution)
    latent_cache: Path | None = None  # reuse projected latents across runs (off: nothing on disk)
    workers: int = 2  # threads for photo analysis; toonify and live frames have one each
    max_pending: int = 64  # photos waiting for a worker before the server answers 503
    allowed_hosts: list[str] = field(default_factory=lambda: list(LOOPBACK_HOSTS))
    token: str | None = None  # required on every request when set (always set beyond loopback)
    max_jobs: int = 2  # toonify jobs one client may have queued or running (429 beyond)
    keep_max_bytes: int = 1024 * 2**20  # --keep-uploads stops here (507 beyond)
    max_live: int = 4  # camera WebSockets one client may have open (429 beyond)

    @property
    def toonify_available(self) -> bool:
        return self.toon_models is not None

    @property
    def live_frame_bytes(self) -> int:
        """Largest camera frame (one WebSocket message) accepted."""
        return min(self.max_upload_bytes, MAX_FRAME_BYTES)

    def project_config(self, steps: int | None = None) -> ProjectConfig:
        """Projection settings of a toonify job (`steps` from the request, else the server's)."""
        from toonmoji.toonify.project import quality_config

        encoder = self.toon_models is not None and self.toon_models.encoder is not None
        return quality_config(self.quality, "w", steps or self.project_steps, encoder)
