"""The emoji step of `toonmoji demo`: the sample portrait's emoji, its four stages, the sticker,
and a sheet of emoji made from harder variants of the sample."""

from __future__ import annotations

from toonmoji.demo.context import DemoContext, DemoItem


def emoji_step(ctx: DemoContext) -> list[DemoItem]:
    from toonmoji.emoji.make import make_emoji
    from toonmoji.emoji.sheet import make_sheet
    from toonmoji.emoji.sticker import sticker_bytes
    from toonmoji.imageio import write_bytes
    from toonmoji.samples import darker, group_photo, rotated

    emoji = make_emoji(ctx.portrait, source="the sample portrait")
    captions = {
        "original": "1. the photo",
        "masked": "2. the head's outline (contours + GrabCut from the landmarks); the rest faded",
        "background_removed": "3. background made transparent (feathered alpha)",
        "cropped": f"4. square crop around the head, {emoji.rgba.shape[0]} px",
    }
    items = [DemoItem(f"Emoji step {i}", ctx.save(f"emoji_step{i}_{name}.png", emoji.steps[name]), captions[name])
             for i, name in enumerate(captions, start=1)]
    write_bytes(ctx.out / "emoji_sticker.webp", sticker_bytes(emoji), force=ctx.force)
    items.append(DemoItem("Sticker", "emoji_sticker.webp", "512x512 WebP with transparency"))
    variants = [("sample", emoji.rgba), ("rotated 20", make_emoji(rotated(ctx.portrait, 20)).rgba),
                ("darker", make_emoji(darker(ctx.portrait)).rgba),
                ("group, right", make_emoji(group_photo(3)[:, -300:]).rgba)]
    items.append(DemoItem("Emoji sheet", ctx.save("emoji_sheet.png", make_sheet(variants, cell=128)),
                          "`toonmoji emoji sheet`: the same person from harder photos"))
    return items
