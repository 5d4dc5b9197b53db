"""The faces step of `toonmoji demo`: detection, FFHQ alignment and paste-back."""

from __future__ import annotations

from toonmoji.demo.context import DemoContext, DemoItem


def faces_step(ctx: DemoContext) -> list[DemoItem]:
    """Detection, FFHQ alignment and paste-back on the sample and a rotated copy."""
    import cv2

    from toonmoji.faces import align_faces, paste_back
    from toonmoji.samples import group_photo, rotated

    items = [DemoItem("Sample portrait", ctx.save("sample.png", ctx.portrait), "NASA, public domain")]
    aligned = align_faces(ctx.portrait, size=256)
    boxed = ctx.portrait.copy()
    for a in aligned:
        x0, y0, x1, y1 = (int(v) for v in a.face.box)
        cv2.rectangle(boxed, (x0, y0), (x1, y1), (0, 255, 0), 2)
        for x, y in a.face.landmarks.astype(int):
            cv2.circle(boxed, (int(x), int(y)), 1, (255, 0, 0), -1)
    items.append(DemoItem("Detected face + 68 landmarks", ctx.save("faces_detected.png", boxed)))
    items.append(DemoItem("FFHQ-aligned, 256 px", ctx.save("face_aligned.png", aligned[0].image)))
    turned = rotated(ctx.portrait, 20)
    items.append(
        DemoItem(
            "Rotated 20 degrees, aligned",
            ctx.save("face_aligned_rotated.png", align_faces(turned, size=256)[0].image),
            "nearly the same crop as the upright photo",
        )
    )
    inverted = 255 - aligned[0].image  # a visible edit, to show paste-back puts it in place
    items.append(
        DemoItem("Paste-back of an edited face", ctx.save("face_pasted.png", paste_back(ctx.portrait, aligned[0], inverted)))
    )
    group = group_photo(3)
    found = align_faces(group, size=128)
    items.append(DemoItem(f"Group photo: {len(found)} faces", ctx.save("group.png", group)))
    return items
