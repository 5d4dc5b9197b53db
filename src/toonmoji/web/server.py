"""Running the app: uvicorn on a socket bound here, so a busy port is one clear line and port 0
(any free port) works; the address is reported once the socket listens. With TLS files the same
socket serves HTTPS (and the camera WebSocket as wss)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from toonmoji.errors import InputError
from toonmoji.web.settings import WebSettings
from toonmoji.web.tls import TlsFiles


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (IPv4 or IPv6); InputError in one line if impossible."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_of(sock: socket.socket, https: bool = False) -> str:
    """The address of the listening socket (127.0.0.1 for one bound to every address)."""
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host.split("%")[0]).is_unspecified:
        host = "127.0.0.1" if sock.family == socket.AF_INET else "::1"
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if https else 'http'}://{host}:{port}/"


def network_urls(url: str) -> list[str]:
    """`url` with this machine's own network addresses in place of loopback, as another device on
    the network would type it (read from the local resolver; nothing is sent anywhere). Where the
    resolver knows none (host names often map to 127.0.1.1), a placeholder says what to put."""
    scheme, rest = url.split("://", 1)
    port = rest.split("/", 1)[0].rsplit(":", 1)[1]
    try:
        found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)}
    except OSError:
        found = set()
    hosts = sorted(a for a in found if "%" not in a and not ipaddress.ip_address(a).is_loopback)
    return [f"{scheme}://{f'[{h}]' if ':' in h else h}:{port}/" for h in hosts] or \
        [f"{scheme}://<this machine's address>:{port}/"]


def serve(settings: WebSettings, host: str, port: int, on_ready: Callable[[str], None],
          tls: TlsFiles | None = None) -> None:
    """Serve the page and API until Ctrl-C; `on_ready(url)` once connections are accepted."""
    import uvicorn

    from toonmoji.web.app import create_app

    sock = bind(host, port)
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            # frames are JPEGs: compression gains nothing, and a deflated message
                            # could inflate to the size limit from a few bytes sent
                            ws_max_size=settings.live_frame_bytes, ws_per_message_deflate=False,
                            timeout_graceful_shutdown=3,
                            ssl_certfile=tls and str(tls.cert), ssl_keyfile=tls and str(tls.key))
    on_ready(url_of(sock, https=tls is not None))
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if server.should_exit:
        # stopped by Ctrl-C (or a termination signal): uvicorn re-raises the signal once it has shut
        # down, but whether that reaches here as KeyboardInterrupt or asyncio swallows it with the
        # finished task depends on timing; the command's exit is "interrupted" (130) either way
        raise KeyboardInterrupt
