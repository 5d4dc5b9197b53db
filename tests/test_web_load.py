"""Load on a real server over loopback: 50 photos at once, all answered right, memory given back."""

from __future__ import annotations

import asyncio
import io
import time

import httpx2 as httpx
import pytest
from PIL import Image

from toonmoji.emotion import EmotionClassifier
from toonmoji.emotion.recognize import classify_faces
from toonmoji.faces import detect_faces
from web_server import running_server

pytest.importorskip("fastapi")

CONCURRENT = 50
# Growth of the server's resident memory allowed over the measured burst. Both readings are taken
# once the server has been idle long enough to collect garbage and trim its heap (1 s), after a
# first burst has grown the allocator's pools to working size. Between bursts the reading moves by
# up to ~20 MB without any leak (heap fragmentation); keeping a request's photo and emoji stages
# (~4 MB for the sample) would add ~200 MB, keeping one answer (~0.5 MB) 25 MB more than that noise.
RSS_GROWTH_MB = 30.0
IDLE_SECONDS = 2.5


def jpeg(image) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


async def upload_all(url: str, data: bytes, count: int) -> tuple[list[httpx.Response], list[float]]:
    """`count` uploads at once; meanwhile, how long /api/health takes to answer."""
    limits = httpx.Limits(max_connections=count + 5, max_keepalive_connections=count + 5)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        async def one(i: int) -> httpx.Response:
            return await client.post("/api/analyze", files={"photo": (f"sample{i}.jpg", data, "image/jpeg")})

        async def health_latencies() -> list[float]:
            out = []
            for _ in range(5):
                await asyncio.sleep(0.3)
                start = time.perf_counter()
                assert (await client.get("/api/health")).status_code == 200
                out.append(time.perf_counter() - start)
            return out

        *responses, latencies = await asyncio.gather(*(one(i) for i in range(count)), health_latencies())
    return responses, latencies


def test_fifty_concurrent_uploads(tmp_path, portrait):
    data = jpeg(portrait)
    decoded = Image.open(io.BytesIO(data)).convert("RGB")
    import numpy as np

    image = np.asarray(decoded)
    expected = classify_faces(image, detect_faces(image, "auto"), EmotionClassifier.default())
    assert len(expected) == 1
    with running_server(tmp_path / "server") as server:
        warm, _ = asyncio.run(upload_all(server.url, data, CONCURRENT))  # models loaded, pools grown
        assert all(r.status_code == 200 for r in warm)
        time.sleep(IDLE_SECONDS)
        before = server.rss_mb()

        start = time.perf_counter()
        responses, latencies = asyncio.run(upload_all(server.url, data, CONCURRENT))
        seconds = time.perf_counter() - start
        peak = server.rss_mb()
        time.sleep(IDLE_SECONDS)
        after = server.rss_mb()
        print(f"\n{CONCURRENT} uploads in {seconds:.1f} s ({CONCURRENT / seconds:.1f}/s); health answered in "
              f"{max(latencies) * 1000:.0f} ms at worst; RSS {before:.0f} MB -> {peak:.0f} -> {after:.0f} MB")

        assert [r.status_code for r in responses] == [200] * CONCURRENT
        for r in responses:
            body = r.json()
            assert len(body["faces"]) == 1
            assert body["faces"][0]["label"] == expected[0].label
            assert body["faces"][0]["probabilities"][expected[0].label] == pytest.approx(expected[0].score, abs=1e-3)
            assert body["emoji"]["png"].startswith("data:image/png;base64,")
        assert max(latencies) < 1.0, f"the server stopped answering under load: {latencies}"
        assert after - before < RSS_GROWTH_MB, f"RSS grew {after - before:.0f} MB ({before:.0f} -> {after:.0f})"
        assert server.alive()
        assert "Traceback" not in server.log.read_text()
