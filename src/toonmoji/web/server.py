"""Running the app: uvicorn on a socket bound here, so a busy port is one clear line and port 0
(any free port) works; the address is reported once the socket listens."""

from __future__ import annotations

import socket
from collections.abc import Callable

from toonmoji.errors import InputError
from toonmoji.web.settings import WebSettings


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


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


def serve(settings: WebSettings, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the page and API until Ctrl-C; `on_ready(url)` once connections are accepted."""
    import uvicorn

    from toonmoji.web.app import create_app

    sock = bind(host, port)
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            ws_max_size=settings.max_upload_bytes, timeout_graceful_shutdown=3)
    on_ready(url_of(sock))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
