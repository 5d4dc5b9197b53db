"""The work a batch does on one input, for each command: a Job is built once per worker (its
models loaded then), and `process` is called for every input that worker is given.

Each job calls the same library functions as its single command (`toonmoji emoji`, `avatar`,
`emotion`, `emotion report`, `toonify`) and names its outputs `<key>.<ext>` in the batch folder:

    emoji     KEY.png                     (+ KEY.sticker.webp, KEY.128.png with sticker)
    avatar    KEY.svg                     (+ KEY.png, KEY.json on request)
    emotion   KEY.json, KEY.png           (the faces and their probabilities; annotated photo)
    report    KEY.report/                 (the report folder of `toonmoji emotion report`)
    toonify   KEY.png                     (one face or --paste-back; else KEY.face0.png, ...)

Outputs go through the atomic writers of imageio, overwriting: the batch folder is the batch's
own, and an unfinished input's half-set of outputs is replaced when it is redone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from toonmoji.batch.inputs import Input, content_hash
from toonmoji.batch.manifest import Record
from toonmoji.errors import InputError, NoFaceError, ToonmojiError

DETECTORS = ("auto", "dlib", "haar")


@dataclass
class Done:
    """What one input produced: files, table rows, and an error that left usable outputs."""

    outputs: list[Path]
    rows: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None


def output(base: Path, suffix: str) -> Path:
    """`<key><suffix>` in the batch folder (the key may hold dots no more: see inputs.py)."""
    return base.with_name(base.name + suffix)


class Job:
    """One command's per-input work. Subclasses set the class attributes and `process`."""

    name: ClassVar[str]
    kind: ClassVar[str] = "image"  # which files a folder is searched for: image or video
    table: ClassVar[str | None] = None  # all_faces or all_tracks: the combined table
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = {**self.defaults, **options}

    @classmethod
    def check(cls, options: dict[str, Any]) -> dict[str, Any]:
        """The options with defaults filled in, checked before any worker starts (one-line errors)."""
        unknown = set(options) - set(cls.defaults)
        if unknown:
            raise InputError(f"batch {cls.name}: unknown option(s) {', '.join(sorted(unknown))}")
        full = {**cls.defaults, **options}
        if full.get("detector") not in (None, *DETECTORS):
            raise InputError(f"unknown detector {full['detector']!r}; choose auto, dlib or haar")
        return full

    def warm(self) -> None:
        """Load every model now (once per worker), so that the first input is not the slow one."""

    def process(self, path: Path, base: Path) -> Done:
        raise NotImplementedError


def process_one(job: Job, item: Input, out: Path) -> Record:
    """Run `job` on one input and say what happened; never raises for a bad input."""
    from toonmoji.imageio import require_file

    start, cpu = time.perf_counter(), time.process_time()
    record = Record(path=str(item.path), key=item.key, status="ok")
    try:
        require_file(item.path)
        record.sha256 = content_hash(item.path)
        done = job.process(item.path, out / item.key)
        record.outputs = [p.relative_to(out).as_posix() for p in done.outputs]
        record.rows = done.rows
        if done.error:
            record.status, record.error = "error", done.error
    except ToonmojiError as exc:
        record.status, record.error = "error", _one_line(str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug or a library's own error: record it, go on
        record.status, record.error = "error", _one_line(f"{type(exc).__name__}: {exc}")
    record.seconds = round(time.perf_counter() - start, 4)
    record.cpu_seconds = round(time.process_time() - cpu, 4)
    return record


def _one_line(text: str) -> str:
    lines = [s for s in text.strip().splitlines() if s.strip()]
    return lines[0][:500] if lines else "failed (no message)"


def _sample() -> Any:
    from toonmoji.samples import sample_portrait

    return sample_portrait()


def _toon_models(options: dict[str, Any]) -> Any:
    """The toon model pair when --base and --toon are given (both or neither)."""
    base, toon = options.get("base"), options.get("toon")
    if base is None and toon is None:
        return None
    if base is None or toon is None:
        raise InputError("toonify first needs both --base and --toon")
    from toonmoji.toonify.models import load_toon_models

    encoder = options.get("encoder")
    return load_toon_models(Path(base), Path(toon), options.get("device", "cpu"),
                            Path(encoder) if encoder else None)


def _latent_cache(enabled: bool = True) -> Any:
    from toonmoji.toonify.latent_cache import LatentCache, default_cache_dir

    return LatentCache(default_cache_dir() if enabled else None)


class EmojiJob(Job):
    """`toonmoji emoji PHOTO`: the head cut out, transparent and square."""

    name = "emoji"
    defaults: ClassVar[dict[str, Any]] = {"sticker": False, "size": None, "margin": 0.06, "detector": "auto", "base": None, "toon": None,
                "encoder": None, "quality": "fast", "project_steps": None, "device": "cpu"}

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.models = _toon_models(self.options)

    def warm(self) -> None:
        if self.models is None:
            from toonmoji.emoji.make import make_emoji

            make_emoji(_sample(), detector=self.options["detector"])

    def process(self, path: Path, base: Path) -> Done:
        from toonmoji.emoji.make import make_emoji
        from toonmoji.emoji.sticker import icon_bytes, png_bytes, resize_rgba, sticker_bytes
        from toonmoji.imageio import read_image, write_bytes

        o = self.options
        if self.models is None:
            emoji = make_emoji(read_image(path, mode="RGBA"), detector=o["detector"], margin=o["margin"],
                               source=str(path))
        else:
            from toonmoji.emoji.toon import toon_emoji
            from toonmoji.toonify.pipeline import toonify_largest_face
            from toonmoji.toonify.project import quality_config

            cfg = quality_config(o["quality"], "w", o["project_steps"], self.models.encoder is not None)
            toonified = toonify_largest_face(read_image(path), self.models, cfg, _latent_cache(), o["detector"],
                                             str(path))
            emoji = toon_emoji(toonified, o["detector"], o["margin"])
        rgba = resize_rgba(emoji.rgba, o["size"]) if o["size"] else emoji.rgba
        outputs = [write_bytes(output(base, ".png"), png_bytes(rgba), force=True)]
        if o["sticker"]:
            outputs.append(write_bytes(output(base, ".sticker.webp"), sticker_bytes(emoji), force=True))
            outputs.append(write_bytes(output(base, ".128.png"), icon_bytes(emoji), force=True))
        return Done(outputs)


class AvatarJob(Job):
    """`toonmoji avatar PHOTO`: the fitted vector avatar (SVG; PNG and the avatar file on request)."""

    name = "avatar"
    defaults: ClassVar[dict[str, Any]] = {"emotion": "neutral", "intensity": 1.0, "size": 512, "sets": [], "detector": "auto",
                "png": False, "json": False}

    @classmethod
    def check(cls, options: dict[str, Any]) -> dict[str, Any]:
        from toonmoji.avatar.cli import check_pose

        full = super().check(options)
        check_pose(full["emotion"], full["intensity"], full["size"])
        return full

    def warm(self) -> None:
        from toonmoji.avatar.fitting import fit_avatar

        fit_avatar(_sample(), detector=self.options["detector"]).render(size=64)

    def process(self, path: Path, base: Path) -> Done:
        from toonmoji.avatar.fitting import fit_avatar
        from toonmoji.emoji.sticker import png_bytes
        from toonmoji.imageio import read_image, write_bytes

        o = self.options
        avatar = fit_avatar(read_image(path), detector=o["detector"], source=str(path)).with_set(*o["sets"])
        svg = avatar.to_svg(o["emotion"], o["intensity"], o["size"])
        outputs = [write_bytes(output(base, ".svg"), svg.encode(), force=True)]
        if o["png"]:
            rgba = avatar.render(o["emotion"], o["intensity"], o["size"])
            outputs.append(write_bytes(output(base, ".png"), png_bytes(rgba), force=True))
        if o["json"]:
            outputs.append(write_bytes(output(base, ".json"), avatar.to_json().encode(), force=True))
        return Done(outputs)


class EmotionJob(Job):
    """`toonmoji emotion PHOTO`: every face's emotion; a row per face for all_faces.csv."""

    name = "emotion"
    table = "all_faces"
    defaults: ClassVar[dict[str, Any]] = {"model": None, "detector": "auto", "annotate": True}

    def __init__(self, options: dict[str, Any]) -> None:
        from toonmoji.emotion.live import EmotionSession

        super().__init__(options)
        o = self.options
        self.session = EmotionSession.create(o["model"], o["detector"], 640, 0, None, video=False)

    def warm(self) -> None:
        self.session.classify(_sample())

    def process(self, path: Path, base: Path) -> Done:
        import json

        from toonmoji.imageio import read_image, write_bytes, write_image

        image = read_image(path)
        results = self.session.classify(image)
        if not results:
            raise NoFaceError(f"no face found in {path}")
        faces = [r.to_json() for r in results]
        outputs = [write_bytes(output(base, ".json"), (json.dumps({"image": str(path), "faces": faces}) + "\n").encode(),
                               force=True)]
        if self.options["annotate"]:
            outputs.append(write_image(output(base, ".png"), self.session.annotate(image, results), force=True))
        rows = [{"face": i, "seconds_on_screen": None, "dominant": r.label,
                 **{c: round(float(p), 4) for c, p in zip(r.classes, r.probabilities)}}
                for i, r in enumerate(results)]
        return Done(outputs, rows)


class ReportJob(Job):
    """`toonmoji emotion report VIDEO`: the video's report folder; a row per face track."""

    name = "report"
    kind = "video"
    table = "all_tracks"
    defaults: ClassVar[dict[str, Any]] = {"smooth_frames": 5, "keep_seconds": 1.0, "model": None, "detector": None, "detect_width": 320,
                "rescan": 10, "seconds": None}

    def warm(self) -> None:
        from toonmoji.emotion.live import EmotionSession

        chosen = {} if self.options["detector"] is None else {"detector": self.options["detector"]}
        EmotionSession.create(self.options["model"], video=True, **chosen).classify(_sample())

    def process(self, path: Path, base: Path) -> Done:
        from toonmoji.emotion.report import write_report
        from toonmoji.emotion.video import analyze_video

        o = self.options
        video = analyze_video(path, model=o["model"], detector=o["detector"], smooth_frames=o["smooth_frames"],
                              detect_width=o["detect_width"], rescan_every=o["rescan"],
                              keep_seconds=o["keep_seconds"], seconds=o["seconds"])
        folder = output(base, ".report")
        written = write_report(video, folder, force=True)
        rows = [{"track": t.id, "seconds_on_screen": round(t.seconds, 3), "dominant": t.dominant,
                 **{c: round(s, 4) for c, s in t.shares.items()}} for t in video.tracks]
        broken = video.notes[0] if video.broken else None
        return Done(written, rows, broken)


class ToonifyJob(Job):
    """`toonmoji toonify PHOTO`: every face projected into the base and rendered by the toon."""

    name = "toonify"
    defaults: ClassVar[dict[str, Any]] = {"base": None, "toon": None, "encoder": None, "quality": "fast", "latent": "w", "steps": None,
                "paste_back": False, "cache": True, "device": "cpu"}

    def __init__(self, options: dict[str, Any]) -> None:
        from toonmoji.toonify.project import quality_config

        super().__init__(options)
        o = self.options
        self.models = _toon_models(o)
        self.cfg = quality_config(o["quality"], o["latent"], o["steps"], self.models.encoder is not None)

    @classmethod
    def check(cls, options: dict[str, Any]) -> dict[str, Any]:
        from toonmoji.toonify.project import quality_config

        full = super().check(options)
        if full["base"] is None or full["toon"] is None:
            raise InputError("batch toonify needs --base and --toon")
        for name in ("base", "toon", "encoder"):
            if full[name] is not None and not Path(full[name]).is_file():
                raise InputError(f"no such file: {full[name]} (--{name})")
        quality_config(full["quality"], full["latent"], full["steps"], full["encoder"] is not None)
        return full

    def process(self, path: Path, base: Path) -> Done:
        from toonmoji.faces import detect_faces, require_faces
        from toonmoji.imageio import read_image, write_image
        from toonmoji.toonify.pipeline import paste_toons, toonify_faces

        image = read_image(path)
        found = require_faces(detect_faces(image), str(path))
        faces = toonify_faces(image, self.models, self.cfg, _latent_cache(self.options["cache"]), str(path),
                              None, found)
        if self.options["paste_back"] or len(faces) == 1:
            picture = paste_toons(image, faces) if self.options["paste_back"] else faces[0].toon
            return Done([write_image(output(base, ".png"), picture, force=True)])
        return Done([write_image(output(base, f".face{i}.png"), f.toon, force=True) for i, f in enumerate(faces)])


JOBS: dict[str, type[Job]] = {j.name: j for j in (EmojiJob, AvatarJob, EmotionJob, ReportJob, ToonifyJob)}


def job_class(command: str | type[Job]) -> type[Job]:
    """The Job for a command name (or a Job subclass itself, e.g. one made for a test)."""
    if isinstance(command, type) and issubclass(command, Job):
        return command
    if command not in JOBS:
        raise InputError(f"unknown batch command {command!r}; choose {', '.join(JOBS)}")
    return JOBS[command]
