"""`POST /api/avatar`: the photo's avatar for the web page, with everything it offers to download.

One call answers with the avatar file (JSON attributes), its SVG, a 512 px PNG, the 512 px WebP
sticker, the seven expressions as small PNGs (the live view swaps between them as the recognised
emotion changes) and the emoji set as a zip (`<emotion>.png` + `<emotion>.webp`, the layout
`toonmoji emotion --emoji-set` reads).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from toonmoji.web.analysis import data_url

LIVE_SIZE = 192


def avatar_payload(image, source: str) -> dict[str, object]:
    """The avatar of the largest face in `image` `(H, W, 3) uint8` RGB, ready for the page."""
    from toonmoji.avatar import fit
    from toonmoji.emoji.sticker import png_bytes, resize_rgba, sticker_bytes
    from toonmoji.emotion.labels import EMOTIONS

    avatar = fit(image, source=source)
    expressions = {e: avatar.render(e, 1.0, 512) for e in EMOTIONS}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for e, rgba in expressions.items():
            z.writestr(f"emoji-set/{e}.png", png_bytes(resize_rgba(rgba, 256)))
            z.writestr(f"emoji-set/{e}.webp", sticker_bytes(rgba))
        z.writestr("emoji-set/avatar.json", avatar.to_json())
    return {
        "avatar": json.loads(avatar.to_json()),
        "svg": avatar.to_svg("neutral", 1.0, 512),
        "png": data_url(png_bytes(expressions["neutral"]), "image/png"),
        "sticker": data_url(sticker_bytes(expressions["neutral"]), "image/webp"),
        "expressions": {e: data_url(png_bytes(resize_rgba(rgba, LIVE_SIZE)), "image/png") for e, rgba in expressions.items()},
        "zip": data_url(archive.getvalue(), "application/zip"),
    }


def avatar_router(services, read_photo: Callable[[UploadFile], Awaitable[tuple[bytes, str]]]) -> APIRouter:
    """The avatar endpoint, run on the app's worker like the other photo endpoints."""
    router = APIRouter()

    @router.post("/api/avatar")
    async def avatar(photo: Annotated[UploadFile, File(description="A photo with a face.")]) -> dict[str, object]:
        """The avatar of the photo's largest face: attributes, SVG, PNG, sticker, expressions, zip."""
        data, name = await read_photo(photo)

        def work() -> dict[str, object]:
            image, _, _ = services.prepare(data, name)
            return avatar_payload(image, name)

        return await services.run(work)

    return router
