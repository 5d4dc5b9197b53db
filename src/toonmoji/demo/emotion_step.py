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
        caption = "; ".join(
            f"{r.label} ({', '.join(f'{c} {p:.2f}' for c, p in zip(r.classes, r.probabilities))})" for r in results
        ) or "no face found"
        items.append(DemoItem(title, ctx.save(name, draw_emotions(image, results)), caption))
    return items
