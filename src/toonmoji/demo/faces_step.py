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
    # a plain, visible edit: the aligned face in black and white, pasted back through the
    # alignment's own transform and feathered mask, so only the face region changes
    grey = cv2.cvtColor(cv2.cvtColor(aligned[0].image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    items.append(
        DemoItem("Paste-back of an edited face", ctx.save("face_pasted.png", paste_back(ctx.portrait, aligned[0], grey)),
                 "the aligned face made black and white, then put back with `toonmoji.paste_back`: "
                 "the feathered mask blends it into the colour photo")
    )
    group = group_photo(3)
    found = align_faces(group, size=128)
    boxed = group.copy()
    for a in found:
        x0, y0, x1, y1 = (int(v) for v in a.face.box)
        cv2.rectangle(boxed, (x0, y0), (x1, y1), (0, 255, 0), 2)
    items.append(DemoItem(f"Group photo: {len(found)} faces", ctx.save("group.png", boxed),
                          "every face found and boxed: `toonmoji faces PHOTO`"))
    return items
