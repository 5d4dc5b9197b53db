"""Who may use the server: its own page, scripts on this machine, and (beyond loopback) only
those who know its token.

One ASGI middleware guards every route, present and future, before the route runs:

- A request that changes state or starts work (any method but GET/HEAD/OPTIONS, and every
  WebSocket) must come from the server's own page: a browser's `Origin` must be this server's
  scheme, host and port, and `Sec-Fetch-Site` must not say another site sent it. Otherwise 403.
  Without `Origin` (curl, scripts) the request is not a browser's and passes this check. This is
  what stops a web page the user happens to visit from posting photos to the local server (a
  multipart form POST needs no CORS preflight).
- With a token (always beyond loopback; `--token` on loopback too) every request must carry it:
  `Authorization: Bearer TOKEN`, `?token=TOKEN`, or the cookie the page gets when opened with
  `?token=` (HttpOnly, SameSite=Strict, so other sites' pages never send it). Otherwise 401.
  Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{16,128}")
DEFAULT_PORTS = {"http": 80, "https": 443}


def new_token() -> str:
    """A random token: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def cookie_name(port: int | None) -> str:
    """Cookies ignore ports, so two servers on one machine each need their own name."""
    return f"toonmoji-token-{port or 0}"


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of `scheme://netloc`, the default port filled in; None if malformed."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or scheme not in DEFAULT_PORTS:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def same_origin(origin: str, scope: Scope, host: str) -> bool:
    """Whether a browser's `Origin` header names the page this request was sent to."""
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    parts = urlsplit(origin)
    theirs = _origin_key(parts.scheme, parts.netloc) if parts.scheme and not parts.path.strip("/") else None
    return theirs is not None and theirs == _origin_key(scheme, host)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def cross_site_refusal(scope: Scope, headers: dict[str, str]) -> str | None:
    """Why this request must be refused as coming from another site's page, or None."""
    unsafe = scope["type"] == "websocket" or scope.get("method", "GET").upper() not in SAFE_METHODS
    if not unsafe:
        return None
    origin, fetch_site = headers.get("origin"), headers.get("sec-fetch-site", "").lower()
    if origin is not None and not same_origin(origin, scope, headers.get("host", "")):
        return (f"refused: this request came from another page ({origin[:100]}); toonmoji answers "
                "only its own page and scripts")
    if fetch_site in ("cross-site", "same-site"):
        return "refused: the browser says another site sent this request; toonmoji answers only its own page"
    return None


def given_tokens(scope: Scope, headers: dict[str, str]) -> tuple[list[str], bool]:
    """Every token the request carries, and whether one came in the query (`?token=`)."""
    tokens = []
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        tokens.append(value.strip())
    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
    tokens += query
    if "cookie" in headers:
        cookies = SimpleCookie()
        try:
            cookies.load(headers["cookie"])
        except Exception:  # noqa: BLE001 - a malformed cookie header carries no token
            cookies = SimpleCookie()
        morsel = cookies.get(cookie_name(_port(scope)))
        if morsel is not None:
            tokens.append(morsel.value)
    return tokens, bool(query)


def token_matches(given: str, token: str) -> bool:
    """Constant-time comparison, so response timing does not reveal how much of a guess was right."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode())


def _port(scope: Scope) -> int | None:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


class AccessGuard:
    """The middleware: 403 for other sites' pages, 401 without the token (when there is one)."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        reason = cross_site_refusal(scope, headers)
        if reason is not None:
            await refuse(403, reason)(scope, receive, send)
            return
        if self.token is None:
            await self.app(scope, receive, send)
            return
        tokens, in_query = given_tokens(scope, headers)
        # every candidate is compared, so the time taken does not depend on which one matched
        matched = [token_matches(t, self.token) for t in tokens]
        if not any(matched):
            detail = ("this server needs its token: open the address `toonmoji serve` printed "
                      "(…/?token=…), or send the header Authorization: Bearer TOKEN")
            if tokens:
                detail = "wrong token: " + detail
            await refuse(401, detail, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        if in_query and scope["type"] == "http":
            send = self._with_cookie(scope, send)
        await self.app(scope, receive, send)

    def _with_cookie(self, scope: Scope, send: Send) -> Send:
        """The page opened with `?token=` keeps the token in a cookie its own requests carry."""
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = f"{cookie_name(_port(scope))}={self.token}; Path=/; HttpOnly; SameSite=Strict{secure}"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        return send_with_cookie


def refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A one-line refusal; for a WebSocket it is the HTTP answer to its handshake."""
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
