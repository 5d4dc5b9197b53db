"""`toonmoji serve`: the local web page. FastAPI is imported only when the command runs, so the
other commands work without the `[web]` extra."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from toonmoji.errors import InputError
from toonmoji.web.settings import LOOPBACK_HOSTS, WebSettings

console = Console()


def allowed_hosts(host: str) -> list[str]:
    """Host names the server answers to: loopback names, plus the bound name, or any for 0.0.0.0."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return list(dict.fromkeys([*LOOPBACK_HOSTS, host]))


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 lets other machines in.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = 8000,
    base: Annotated[Path | None, typer.Option(help="Base (FFHQ) generator, with its discriminator: enables toonify (needs --toon).", show_default=False)] = None,
    toon: Annotated[Path | None, typer.Option(help="Toon generator, e.g. from `toonmoji gan blend` (needs --base).", show_default=False)] = None,
    steps: Annotated[int, typer.Option(min=1, max=5000, help="Projection steps of a toonify job unless the page asks otherwise.")] = 300,
    max_upload_mb: Annotated[float, typer.Option(min=0.1, max=1024, help="Largest photo accepted, in MB.")] = 20.0,
    keep_uploads: Annotated[Path | None, typer.Option(help="Keep every uploaded photo in this folder (off: nothing is kept).", show_default=False)] = None,
    cache: Annotated[bool, typer.Option(help="Keep projected latents in the toonify cache on disk (as `toonmoji toonify` does).")] = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Threads for photo analysis.")] = 2,
    device: Annotated[str, typer.Option(help="With --base/--toon: cpu, cuda ...")] = "cpu",
) -> None:
    """Serve the toonmoji page on this machine: drop a photo, or use the camera live."""
    from toonmoji.extras import require

    for module in ("fastapi", "python_multipart", "uvicorn"):
        require(module, extra="web", feature="the web page")
    from toonmoji.web.server import serve as run_server

    if (base is None) != (toon is None):
        raise InputError("toonify needs both --base and --toon")
    models = None
    if base is not None and toon is not None:
        from toonmoji.gan.toon_models import load_toon_models

        models = load_toon_models(base, toon, device)
    if keep_uploads is not None:
        try:
            keep_uploads.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot keep uploads in {keep_uploads}: {exc.strerror or exc}") from None
    latent_cache = None
    if cache:
        from toonmoji.gan.latent_cache import default_cache_dir

        latent_cache = default_cache_dir()
    settings = WebSettings(
        max_upload_bytes=int(max_upload_mb * 2**20), keep_uploads=keep_uploads, toon_models=models,
        project_steps=steps, latent_cache=latent_cache, workers=workers, allowed_hosts=allowed_hosts(host),
    )

    def ready(url: str) -> None:
        console.print(f"toonmoji is at [bold]{url}[/bold]  (Ctrl-C stops it)", highlight=False, soft_wrap=True)
        if host not in LOOPBACK_HOSTS:
            console.print("[yellow]warning:[/yellow] listening beyond this machine: anyone who can reach "
                          f"{host} can use the page", highlight=False, soft_wrap=True)
        console.print("toonify: " + ("on" if models else "off (start with --base and --toon to turn it on)"),
                      highlight=False, soft_wrap=True)
        if keep_uploads is not None:
            console.print(f"uploads are kept in {keep_uploads}", highlight=False, soft_wrap=True)

    run_server(settings, host, port, ready)
