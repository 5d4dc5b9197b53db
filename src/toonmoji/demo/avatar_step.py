"""The avatar step of `toonmoji demo`: the sample portrait's avatar in the seven expressions,
its SVG and avatar file, and a few edits of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toonmoji.demo.context import DemoContext, DemoItem


def avatar_step(ctx: DemoContext) -> list[DemoItem]:
    from toonmoji.avatar import fit
    from toonmoji.demo.context import DemoItem
    from toonmoji.emoji.sheet import make_sheet
    from toonmoji.emotion.labels import EMOTIONS
    from toonmoji.imageio import write_bytes

    avatar = fit(ctx.portrait, source="the sample portrait")
    write_bytes(ctx.out / "avatar.svg", avatar.to_svg("neutral", 1.0, 256).encode(), force=ctx.force)
    write_bytes(ctx.out / "avatar.json", avatar.to_json().encode(), force=ctx.force)
    a = avatar.attributes
    items = [DemoItem("Avatar", "avatar.svg",
                      f"fitted from the photo: skin {a.skin}, hair {a.hair.style} {a.hair.color}; "
                      "`toonmoji avatar PHOTO --json me.json` (avatar.json)")]
    faces = [(e, avatar.render(e, 1.0, 160)) for e in EMOTIONS]
    items.append(DemoItem("Avatar expressions", ctx.save("avatar_expressions.png", make_sheet(faces, cell=160, columns=7)),
                          "the seven FER2013 emotions from one neutral-or-any photo: `toonmoji avatar set PHOTO`"))
    edits = [(s, avatar.with_set(s).render("happy", 1.0, 128)) for s in
             ("hair.style=long_straight", "hair.style=curly", "hair.style=ponytail", "glasses=round", "beard=full")]
    items.append(DemoItem("Avatar edits", ctx.save("avatar_edits.png", make_sheet(edits, cell=128, columns=5)),
                          "`--set KEY=VALUE` changes any attribute"))
    return items
