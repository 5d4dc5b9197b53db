"""`toonmoji serve`: the local web page. FastAPI is imported only when the command runs, so the
other commands work without the `[web]` extra."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from toonmoji.errors import InputError
from toonmoji.web.settings import LOOPBACK_HOSTS, WebSettings, is_loopback

if TYPE_CHECKING:
    from toonmoji.web.tls import TlsFiles

console = Console(emoji=False)  # paths and hex fingerprints hold ":ab:"-like runs, never emoji codes


def allowed_hosts(host: str) -> list[str]:
    """Host names the server answers to: loopback names, plus the bound name, or any for 0.0.0.0."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return list(dict.fromkeys([*LOOPBACK_HOSTS, host]))


def access(host: str, token: str | None, no_token: bool, https: bool, cert: Path | None,
           key: Path | None) -> tuple[str | None, TlsFiles | None]:
    """The token the server requires (None: none) and its TLS files (None: plain HTTP)."""
    from toonmoji.web.access import TOKEN_PATTERN, new_token
    from toonmoji.web.tls import self_signed, user_files

    if no_token and token is not None:
        raise InputError("--token and --no-token exclude each other")
    if no_token and not is_loopback(host):
        raise InputError(f"--no-token is only allowed on loopback (127.0.0.1, ::1); on {host} anyone on "
                         "the network could use the server")
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise InputError("--token must be 16 to 128 characters: letters, digits, '.', '_', '~' or '-'")
    if token is None and not no_token and not is_loopback(host):
        token = new_token()
    if (cert is None) != (key is None):
        raise InputError("--cert and --key go together (a PEM certificate and its private key)")
    if cert is not None and key is not None:
        return token, user_files(cert, key)
    return token, self_signed() if https else None


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 lets other machines in.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = 8000,
    base: Annotated[Path | None, typer.Option(help="Base (FFHQ) generator, with its discriminator: enables toonify (needs --toon).", show_default=False)] = None,
    toon: Annotated[Path | None, typer.Option(help="Toon generator, e.g. from `toonmoji gan blend` (needs --base).", show_default=False)] = None,
    steps: Annotated[int | None, typer.Option(min=1, max=5000, help="Projection steps of a toonify job unless the page asks otherwise [default: set by --quality].", show_default=False)] = None,
    quality: Annotated[str, typer.Option(help="Toonify projection: fast (coarse-to-fine) or best (full resolution, slow on a CPU).")] = "fast",
    encoder: Annotated[Path | None, typer.Option(help="With --base/--toon: encoder for the base (`toonmoji gan train-encoder`); toonify in seconds.", show_default=False)] = None,
    max_upload_mb: Annotated[float, typer.Option(min=0.1, max=1024, help="Largest photo accepted, in MB.")] = 20.0,
    keep_uploads: Annotated[Path | None, typer.Option(help="Keep every uploaded photo in this folder (off: nothing is kept).", show_default=False)] = None,
    cache: Annotated[bool, typer.Option(help="Keep projected latents in the toonify cache on disk (as `toonmoji toonify` does).")] = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Threads for photo analysis.")] = 2,
    device: Annotated[str, typer.Option(help="With --base/--toon: cpu, cuda ...")] = "cpu",
    token: Annotated[str | None, typer.Option(envvar="TOONMOJI_TOKEN", help="Require this token on every request (made at random when --host is beyond loopback).", show_default=False)] = None,
    no_token: Annotated[bool, typer.Option("--no-token", help="No token, only allowed on loopback.")] = False,
    https: Annotated[bool, typer.Option("--https", help="Serve HTTPS with a self-signed certificate made on first use (phones give the camera only over HTTPS).")] = False,
    cert: Annotated[Path | None, typer.Option(help="HTTPS with this PEM certificate (with --key) instead.", show_default=False)] = None,
    key: Annotated[Path | None, typer.Option(help="The private key of --cert (PEM).", show_default=False)] = None,
    max_jobs: Annotated[int, typer.Option(min=1, max=100, help="Toonify jobs one client may have queued or running.")] = 2,
    keep_max_mb: Annotated[float, typer.Option(min=1, help="Stop keeping uploads when --keep-uploads holds this many MB.")] = 1024.0,
) -> None:
    """Serve the toonmoji page on this machine: drop a photo, or use the camera live."""
    from toonmoji.extras import require

    for module in ("fastapi", "python_multipart", "uvicorn"):
        require(module, extra="web", feature="the web page")
    from toonmoji.web.server import serve as run_server

    if (base is None) != (toon is None):
        raise InputError("toonify needs both --base and --toon")
    if quality not in ("fast", "best"):
        raise InputError(f"--quality takes fast or best, not {quality!r}")
    token, tls = access(host, token, no_token, https, cert, key)
    models = None
    if base is not None and toon is not None:
        from toonmoji.toonify.models import load_toon_models

        models = load_toon_models(base, toon, device, encoder)
    if keep_uploads is not None:
        try:
            keep_uploads.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot keep uploads in {keep_uploads}: {exc.strerror or exc}") from None
    latent_cache = None
    if cache:
        from toonmoji.toonify.latent_cache import default_cache_dir

        latent_cache = default_cache_dir()
    settings = WebSettings(
        max_upload_bytes=int(max_upload_mb * 2**20), keep_uploads=keep_uploads, toon_models=models,
        project_steps=steps, quality=quality, latent_cache=latent_cache, workers=workers,
        allowed_hosts=allowed_hosts(host), token=token, max_jobs=max_jobs,
        keep_max_bytes=int(keep_max_mb * 2**20),
    )

    def ready(url: str) -> None:
        query = f"?token={token}" if token else ""
        console.print(f"toonmoji is at [bold]{url}{query}[/bold]  (Ctrl-C stops it)", highlight=False, soft_wrap=True)
        if not is_loopback(host):
            from toonmoji.web.server import network_urls

            for other in network_urls(url) if host in ("0.0.0.0", "::", "") else []:
                console.print(f"  from other devices: {other}{query}", highlight=False, soft_wrap=True)
            console.print("[yellow]warning:[/yellow] listening beyond this machine: whoever has the address "
                          "with its token can use the page" + ("" if tls else "; without --https the "
                          "token and photos cross the network unencrypted and phones give no camera"),
                          highlight=False, soft_wrap=True)
        if tls is not None:
            made = "made now, kept" if tls.generated else "kept"
            where = f"self-signed, {made} in {tls.cert.parent}" if tls.self_signed else str(tls.cert)
            console.print(f"HTTPS certificate: {where}; SHA-256 fingerprint {tls.fingerprint}",
                          highlight=False, soft_wrap=True)
        console.print("toonify: " + ("on" if models else "off (start with --base and --toon to turn it on)"),
                      highlight=False, soft_wrap=True)
        if keep_uploads is not None:
            console.print(f"uploads are kept in {keep_uploads}", highlight=False, soft_wrap=True)

    run_server(settings, host, port, ready, tls)
