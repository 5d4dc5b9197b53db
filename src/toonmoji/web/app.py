"""The HTTP API and the page: `create_app(settings)` builds the FastAPI application.

Heavy work (decoding, detection, matting) runs on a small thread pool so the event loop stays
free to answer; toonify runs as a job on a thread of its own and live frames on another. Every
ToonmojiError becomes a 4xx answer `{"detail": "one line"}`; nothing a client sends can make the
server answer 500 or stop.
"""

import asyncio
import contextlib
import ctypes
import gc
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Annotated, Literal, TypeVar

import numpy as np
from fastapi import FastAPI, File, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toonmoji import __version__
from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.draw import COLOURS
from toonmoji.errors import InputError, NoFaceError, ToonmojiError
from toonmoji.web import schemas
from toonmoji.web.access import AccessGuard
from toonmoji.web.analysis import analyze_photo, toonify_photo
from toonmoji.web.jobs import JobNotFound, JobRunner, TooManyJobs
from toonmoji.web.live import MAX_FPS, LiveSession
from toonmoji.web.settings import TOONIFY_SETUP, WebSettings
from toonmoji.web.uploads import (
    FORMAT_NAMES,
    KeptUploadsFull,
    UnsupportedImage,
    UploadKeeper,
    UploadTooLarge,
    decode_upload,
    display_name,
    fit_side,
)
from toonmoji.web.video import router as video_router

log = logging.getLogger("toonmoji.web")
T = TypeVar("T")
MULTIPART_SLACK = 64 * 1024  # form fields and boundaries around the photo itself

API_DESCRIPTION = """\
The API behind the toonmoji page. Photos are sent as the multipart field `photo`; images come
back inside the JSON as data URLs. Errors are `{"detail": "one line"}` with a 4xx status.

    curl -F photo=@me.jpg http://127.0.0.1:8000/api/analyze
    curl -F photo=@me.jpg -F format=webp http://127.0.0.1:8000/api/emoji -o me.webp
    curl -F photo=@me.jpg -F steps=300 http://127.0.0.1:8000/api/toonify     # -> {"id": ...}
    curl http://127.0.0.1:8000/api/jobs/ID                                   # progress, result
    curl -X POST http://127.0.0.1:8000/api/jobs/ID/cancel

Live mode: a WebSocket at `/api/live`; send each camera frame as one binary JPEG message, get
back `{"frame", "width", "height", "faces": [{"box", "label", "probabilities"}], "ms"}`. Send an
avatar file's JSON once as a text message `{"avatar": {...}}` and each answer also holds
`"puppet": {"svg", "face", "signals"}`: the avatar moved by the face in that frame.
"""


class ServerBusy(ToonmojiError):
    """Too many photos already waiting (HTTP 503)."""


class ToonifyUnavailable(ToonmojiError):
    """The server was started without toon models (HTTP 409)."""


STATUS = ((UploadTooLarge, 413), (UnsupportedImage, 415), (NoFaceError, 422), (InputError, 400),
          (ToonifyUnavailable, 409), (ServerBusy, 503), (TooManyJobs, 429), (KeptUploadsFull, 507))


def status_for(exc: ToonmojiError) -> int:
    """HTTP status of an error: the client's mistakes are 4xx; anything else is the server's."""
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": " ".join(str(detail).split())}, status_code=status, headers=headers)


def release_memory() -> None:
    """Collect garbage and return the C heap's free pages to the system (glibc's malloc_trim):
    after a burst of photos the allocator would otherwise keep the peak resident."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Services:
    """What the endpoints share: the model, the thread pools, the job runner."""

    def __init__(self, settings: WebSettings):
        self.settings = settings
        self.classifier = EmotionClassifier.default()  # photos: each face with its mirror image
        self.live_classifier = EmotionClassifier.default(flip=False, use="live")  # camera frames: once each
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="toonmoji-photo")
        self.live_pool = ThreadPoolExecutor(1, thread_name_prefix="toonmoji-live")
        self.jobs = JobRunner(workers=1)
        self.keeper = UploadKeeper(settings.keep_uploads, settings.keep_max_bytes) if settings.keep_uploads else None
        self.live_clients: Counter[str] = Counter()  # open camera sockets per client address
        self.pending = 0  # photos on or waiting for the pool; touched only on the event loop
        self._release: asyncio.TimerHandle | None = None

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the photo pool; ServerBusy when too many are waiting already."""
        if self.pending >= self.settings.max_pending:
            raise ServerBusy(f"the server is busy ({self.pending} photos waiting); try again shortly")
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        finally:
            self.pending -= 1
            if self.pending == 0:
                self._schedule_release()

    def _schedule_release(self) -> None:
        """Once the pool has been idle for a second, give freed memory back to the system."""
        if self._release is not None:
            self._release.cancel()
        self._release = asyncio.get_running_loop().call_later(1.0, self._release_if_idle)

    def _release_if_idle(self) -> None:
        self._release = None
        if self.pending == 0:
            release_memory()

    def prepare(self, data: bytes, name: str) -> tuple[np.ndarray, float, str | None]:
        """Decode and check an upload, keep it if asked, shrink it for analysis (on the pool)."""
        s = self.settings
        image, fmt = decode_upload(data, name, s.max_upload_bytes, s.max_pixels)
        kept = self.keeper.keep(data, fmt).name if self.keeper is not None else None
        small, scale = fit_side(image, s.analysis_side)
        return small, scale, kept

    def shutdown(self) -> None:
        self.jobs.shutdown()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.live_pool.shutdown(wait=False, cancel_futures=True)


class BodyLimit:
    """Refuses an over-sized request body from its Content-Length, before reading any of it (413),
    and a body of unknown length (411): the upload limit cannot be bypassed by chunked sending."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            refusal = None
            if length is None and b"transfer-encoding" in headers:
                refusal = problem(411, "send the upload with a Content-Length header")
            elif length is not None and not length.strip().isdigit():
                refusal = problem(400, "bad Content-Length header")
            elif length is not None and int(length) > self.max_bytes:
                limit = (self.max_bytes - MULTIPART_SLACK) / 2**20
                refusal = problem(413, f"the upload is {int(length) / 2**20:.1f} MB; the limit is {limit:.0f} MB",
                                  {"Connection": "close"})
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Every answer says: load nothing from other sites, and do not sniff types."""

    CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(b"content-security-policy", self.CSP.encode()),
                                       (b"x-content-type-options", b"nosniff"),
                                       (b"referrer-policy", b"no-referrer")]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


Photo = Annotated[UploadFile, File(description=f"A photo ({FORMAT_NAMES}).")]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The application for `settings` (defaults: loopback only, 20 MB uploads, nothing kept)."""
    settings = settings or WebSettings()
    services = Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        services.shutdown()

    app = FastAPI(title="toonmoji", version=__version__, description=API_DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")  # the docs pages load a CDN
    app.state.services = services
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + MULTIPART_SLACK)
    app.add_middleware(AccessGuard, token=settings.token)  # every route: own page only, token
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    static = resources.files("toonmoji.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(video_router)  # POST /api/video-report (web/video.py)
    errors = {code: {"model": schemas.Problem} for code in (400, 401, 403, 413, 415, 422, 503, 507)}

    @app.exception_handler(ToonmojiError)
    async def toonmoji_error(_request: Request, exc: ToonmojiError) -> JSONResponse:
        return problem(status_for(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return problem(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error", exc_info=exc)
        return problem(500, f"internal error ({type(exc).__name__}); see the server log")

    async def read_photo(photo: UploadFile) -> tuple[bytes, str]:
        return await photo.read(settings.max_upload_bytes + 1), display_name(photo.filename)

    from toonmoji.web.avatar_api import avatar_router

    app.include_router(avatar_router(services, read_photo))

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(static / "index.html"), headers={"Cache-Control": "no-cache"})

    @app.get("/api/health", response_model=schemas.Health)
    async def health() -> dict[str, object]:
        """Whether the server answers."""
        return {"status": "ok", "version": __version__}

    @app.get("/api/config", response_model=schemas.Config)
    async def config() -> dict[str, object]:
        """Limits, the emotion classes and their colours, and whether toonify is set up."""
        return {
            "max_upload_mb": settings.max_upload_bytes / 2**20,
            "formats": FORMAT_NAMES,
            "keeps_uploads": settings.keep_uploads is not None,
            "emotions": [{"name": c, "colour": "#" + "".join(f"{v:02x}" for v in COLOURS.get(c, (0, 200, 0)))}
                         for c in services.classifier.classes],
            "toonify": {"available": settings.toonify_available,
                        "steps": settings.project_config().total_steps if settings.toonify_available else 0,
                        "message": None if settings.toonify_available else TOONIFY_SETUP},
        }

    @app.post("/api/analyze", response_model=schemas.Analysis, responses=errors)
    async def analyze(photo: Photo,
                      detector: Annotated[Literal["auto", "dlib", "haar"], Form(description="Face detector.")] = "auto",
                      ) -> dict[str, object]:
        """Faces (boxes, aligned crops), each face's emotion with probabilities, and the emoji of
        the largest face (PNG and sticker WebP)."""
        data, name = await read_photo(photo)

        def work() -> dict[str, object]:
            image, scale, kept = services.prepare(data, name)
            return {**analyze_photo(image, services.classifier, detector, name), "scale": scale, "kept_as": kept}

        return await services.run(work)

    @app.post("/api/emoji", response_class=Response, responses={
        **errors, 200: {"content": {"image/png": {}, "image/webp": {}}, "description": "The emoji file."}})
    async def emoji(photo: Photo,
                    format: Annotated[Literal["png", "webp"], Form(description="png: the emoji at its own "
                                      "size; webp: the 512x512 sticker.")] = "png",
                    ) -> Response:
        """The personal emoji of the photo's largest face, as a file."""
        from toonmoji.emoji import make_emoji, sticker_bytes
        from toonmoji.emoji.sticker import png_bytes

        data, name = await read_photo(photo)

        def work() -> bytes:
            image, _, _ = services.prepare(data, name)
            made = make_emoji(image, source=name)
            return png_bytes(made.rgba) if format == "png" else sticker_bytes(made)

        body = await services.run(work)
        filename = "emoji.png" if format == "png" else "emoji_sticker.webp"
        return Response(body, media_type=f"image/{format}",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.post("/api/toonify", status_code=202, response_model=schemas.Job,
              responses={**errors, **{c: {"model": schemas.Problem} for c in (409, 429)}})
    async def toonify(request: Request, photo: Photo,
                      steps: Annotated[int | None, Form(ge=1, le=5000, description="Projection steps "
                                       "(default: the server's --steps).")] = None,
                      ) -> dict[str, object]:
        """Start toonifying every face: a job whose progress is read at `/api/jobs/{id}` and which
        can be cancelled. 409 when the server was started without --base/--toon; 429 when this
        client already has --max-jobs jobs queued or running."""
        models = settings.toon_models
        if models is None:
            raise ToonifyUnavailable(TOONIFY_SETUP)
        owner = request.client.host if request.client else ""
        services.jobs.check_room(owner, settings.max_jobs)
        from toonmoji.toonify.latent_cache import LatentCache

        data, name = await read_photo(photo)
        image, _, _ = await services.run(services.prepare, data, name)  # a bad upload fails here, not in the job
        cfg, cache = settings.project_config(steps), LatentCache(settings.latent_cache)
        job = services.jobs.submit("toonify", lambda report: toonify_photo(image, models, cfg, cache, report, name),
                                   owner, settings.max_jobs)
        return job.snapshot()

    def find_job(job_id: str):
        try:
            return services.jobs.get(job_id)
        except JobNotFound:
            raise StarletteHTTPException(404, f"no job {job_id[:40]} (finished jobs are forgotten after "
                                         "10 minutes)") from None

    @app.get("/api/jobs/{job_id}", response_model=schemas.Job, responses={404: {"model": schemas.Problem}})
    async def job_state(job_id: str) -> dict[str, object]:
        """A job's status and progress; its result once done."""
        return find_job(job_id).snapshot()

    @app.post("/api/jobs/{job_id}/cancel", response_model=schemas.Job, responses={404: {"model": schemas.Problem}})
    async def cancel_job(job_id: str) -> dict[str, object]:
        """Stop a job: at once if queued, after the current projection step if running."""
        find_job(job_id)
        return services.jobs.cancel(job_id).snapshot(with_result=False)

    @app.delete("/api/jobs/{job_id}", status_code=204, responses={404: {"model": schemas.Problem}})
    async def delete_job(job_id: str) -> Response:
        """Cancel a job if it still runs, and forget it and its result."""
        find_job(job_id)
        services.jobs.delete(job_id)
        return Response(status_code=204)

    @app.websocket("/api/live")
    async def live(ws: WebSocket) -> None:
        client = ws.client.host if ws.client else ""
        if services.live_clients[client] >= settings.max_live:
            await ws.send_denial_response(problem(429, f"this client already has {settings.max_live} live "
                                                  "camera connections open; close one first"))
            return
        services.live_clients[client] += 1
        try:
            await ws.accept()
            await live_frames(ws)
        finally:
            services.live_clients[client] -= 1
            if services.live_clients[client] <= 0:
                del services.live_clients[client]

    async def live_frames(ws: WebSocket) -> None:
        """Answer frames one at a time, at most MAX_FPS a second: the socket is not read while a
        frame is worked on or the connection is ahead of its rate, so a client that sends without
        waiting is held back by TCP (nothing piles up here) and other clients keep their turn."""
        session = LiveSession(services.live_classifier, settings.live_frame_bytes)
        loop = asyncio.get_running_loop()
        next_frame = 0.0
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                if (wait := next_frame - loop.time()) > 0:
                    await asyncio.sleep(wait)
                message = await ws.receive()
                next_frame = loop.time() + 1 / MAX_FPS
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is None:
                    if message.get("text") is not None:  # the avatar for the puppet
                        await ws.send_json(session.configure(message["text"]))
                        continue
                    await ws.send_json({"error": "send each camera frame as one binary message (JPEG or PNG)"})
                    continue
                try:
                    reply = await loop.run_in_executor(services.live_pool, session.process, message["bytes"])
                except ToonmojiError as exc:
                    reply = {"error": str(exc)}
                except Exception as exc:  # a bug answers this frame, the stream goes on
                    log.error("live frame failed", exc_info=exc)
                    reply = {"error": f"internal error ({type(exc).__name__}); see the server log"}
                await ws.send_json(reply)

    return app
