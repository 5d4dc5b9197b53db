"""`POST /api/avatar`: the photo's avatar for the web page, with everything it offers to download.

One call answers with the avatar file (JSON attributes), its SVG, a 512 px PNG, the 512 px WebP
sticker, the seven expressions as small PNGs (the live view swaps between them as the recognised
emotion changes) and the emoji set as a zip (`<emotion>.png` + `<emotion>.webp`, the layout
`toonmoji emotion --emoji-set` reads). `doubts` lists the choices the fit was unsure of, each with
the runner-up the page offers one click away; `POST /api/avatar/edit` applies such a choice (any
`--set`-like `KEY=VALUE` edit) to the avatar file the page holds and answers the same payload, so
the photo is not sent or fitted again.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body, File, UploadFile

from toonmoji.web.analysis import data_url

LIVE_SIZE = 192
MAX_EDITS = 32


def doubts(attrs) -> list[dict[str, object]]:
    """The low-confidence choices: key, fitted value, score and the alternative to offer."""
    out = []
    for key, c in attrs.doubtful().items():
        section, name = key.split(".")
        out.append({"key": key, "value": getattr(getattr(attrs, section), name), "score": round(c.score, 2),
                    "alternative": c.alternative})
    return out


def avatar_payload(image, source: str) -> dict[str, object]:
    """The avatar of the largest face in `image` `(H, W, 3) uint8` RGB, ready for the page."""
    from toonmoji.avatar import fit

    return drawn_payload(fit(image, source=source))


def edited_payload(avatar_file: object, edits: object) -> dict[str, object]:
    """The payload of an avatar file (as the page holds it) with `KEY=VALUE` edits applied;
    AvatarError (one line, HTTP 400) for a bad file or edit."""
    from toonmoji.avatar.avatar import Avatar
    from toonmoji.avatar.model import Attributes, AvatarError

    if not isinstance(edits, list) or not all(isinstance(e, str) for e in edits) or len(edits) > MAX_EDITS:
        raise AvatarError(f"set: expected a list of at most {MAX_EDITS} KEY=VALUE strings")
    return drawn_payload(Avatar(Attributes.from_dict(avatar_file, "avatar")).with_set(*edits))


def drawn_payload(avatar) -> dict[str, object]:
    """Everything the page shows and offers to download for one avatar."""
    from toonmoji.emoji.sticker import png_bytes, resize_rgba, sticker_bytes
    from toonmoji.emotion.labels import EMOTIONS

    expressions = {e: avatar.render(e, 1.0, 512) for e in EMOTIONS}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for e, rgba in expressions.items():
            z.writestr(f"emoji-set/{e}.png", png_bytes(resize_rgba(rgba, 256)))
            z.writestr(f"emoji-set/{e}.webp", sticker_bytes(rgba))
        z.writestr("emoji-set/avatar.json", avatar.to_json())
    return {
        "avatar": json.loads(avatar.to_json()),
        "doubts": doubts(avatar.attributes),
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

    @router.post("/api/avatar/edit")
    async def edit(avatar: Annotated[dict, Body(description="The avatar file from /api/avatar.")],
                   edits: Annotated[list[str], Body(alias="set", description="KEY=VALUE edits, e.g. beard.style=stubble.")]
                   ) -> dict[str, object]:
        """The same avatar with edits applied (a low-confidence choice's alternative, or any --set)."""
        return await services.run(edited_payload, avatar, edits)

    return router
