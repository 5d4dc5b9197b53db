"""The emotion step of `toonmoji demo`: the packaged model's label and probabilities on the sample."""

from __future__ import annotations

from toonmoji.demo.context import DemoContext, DemoItem


def emotion_step(ctx: DemoContext) -> list[DemoItem]:
    from toonmoji.emotion import EmotionClassifier, classify_image, draw_emotions
    from toonmoji.samples import group_photo

    classifier = EmotionClassifier.default()
    items = []
    for title, name, image in (("Emotion on the sample portrait", "emotion.png", ctx.portrait),
                               ("Emotion, group photo", "emotion_group.png", group_photo(3))):
        results = classify_image(image, classifier)
        caption = "; ".join(_summary(r) for r in results) or "no face found"
        items.append(DemoItem(title, ctx.save(name, draw_emotions(image, results)), caption))
    return items


def _summary(result) -> str:
    """`happy 99% (then surprise 1%)`: a face's label and its runner-up, short enough for a caption."""
    (top, p1), (second, p2) = sorted(zip(result.classes, result.probabilities), key=lambda cp: -cp[1])[:2]
    return f"{top} {p1:.0%} (then {second} {p2:.0%})"
