"""The shapes of the HTTP API's answers, as they appear in its OpenAPI schema (`/openapi.json`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

DataURL = str


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, in one line.")


class EmotionInfo(BaseModel):
    name: str
    colour: str = Field(description="#rrggbb, the colour the CLI draws this emotion in.")


class ToonifyInfo(BaseModel):
    available: bool
    steps: int = Field(description="Projection steps of a toonify job unless the request says otherwise.")
    message: str | None = Field(description="When not available: the commands that set toonify up.")


class Config(BaseModel):
    max_upload_mb: float
    formats: str
    keeps_uploads: bool = Field(description="True only when the server was started with --keep-uploads DIR.")
    emotions: list[EmotionInfo]
    toonify: ToonifyInfo


class Emoji(BaseModel):
    size: int = Field(description="Side of the PNG in pixels (the sticker is always 512).")
    png: DataURL = Field(description="The emoji, transparent background, at its own size.")
    webp: DataURL = Field(description="The 512x512 sticker WebP with transparency.")


class Face(BaseModel):
    box: list[float] = Field(description="x0, y0, x1, y1 in the analysed image's pixels.")
    confidence: float = Field(description="The face detector's score.")
    label: str = Field(description="The most probable emotion.")
    probabilities: dict[str, float] = Field(description="Each emotion's probability; they sum to 1.")
    aligned: DataURL = Field(description="The FFHQ-aligned face, 256x256 PNG.")


class Analysis(BaseModel):
    width: int = Field(description="Width of the analysed image (photos over 2048 px are shrunk first).")
    height: int
    scale: float = Field(description="Analysed size / uploaded size.")
    preview: DataURL = Field(description="The analysed photo as JPEG, at most 1024 px (boxes scale with it).")
    faces: list[Face] = Field(description="Largest first.")
    emoji: Emoji | None = Field(description="The emoji of the largest face.")
    emoji_error: str | None = Field(description="Why there is no emoji, when there is none.")
    kept_as: str | None = Field(None, description="File name of the kept upload (only with --keep-uploads).")


class Likeness(BaseModel):
    distance: float = Field(description="Euclidean distance of dlib face descriptors (lower: more alike).")
    same_person: bool = Field(description="distance < 0.6, dlib's threshold for one person.")


class ToonFace(BaseModel):
    box: list[float]
    toon: DataURL = Field(description="The face rendered by the toon model (PNG, the models' resolution).")
    reconstruction: DataURL = Field(description="The same latent rendered by the base model.")
    from_cache: bool
    identity: dict[str, Likeness] | None = Field(
        default=None, description="reconstruction and toon: distance to the photo's face in dlib's 128-d embedding.")


class Toonified(BaseModel):
    faces: list[ToonFace]
    pasted: DataURL = Field(description="The photo with every toon face pasted back (JPEG).")
    emoji: Emoji | None = Field(description="The emoji cut out of the largest toon face.")
    emoji_error: str | None


class VideoReport(BaseModel):
    summary: dict[str, Any] = Field(description="summary.json of `toonmoji emotion report`: per face track, "
                                    "time on screen, share of time per emotion, dominant, strongest moments.")
    timeline: DataURL = Field(description="timeline.png: the probabilities over time, one panel per face.")
    thumbs: dict[str, DataURL] = Field(description="JPEG thumbnails by the paths the summary names.")
    csv: str = Field(description="emotions.csv: one row per frame and face.")
    html: str = Field(description="index.html: the whole report as one self-contained page.")


class Job(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: dict[str, float | int] = Field(
        description="face, faces, step, steps, loss (toonify) or frame, frames (video report) and "
        "fraction (0-1) as far as known."
    )
    error: str | None
    result: Toonified | VideoReport | None = Field(description="When done.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
