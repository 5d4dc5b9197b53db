"""Toonify: a photo's faces as characters, on top of the StyleGAN2 library in `toonmoji.gan`.

    from toonmoji.toonify import load_toon_models, toonify_faces, paste_toons, quality_config, LatentCache
    models = load_toon_models(Path("ffhq.pkl"), Path("blended.pt"), encoder=Path("enc.pt"))
    faces = toonify_faces(photo, models, quality_config("fast", encoder=True), LatentCache(None))
    result = paste_toons(photo, faces)   # (H, W, 3) uint8

The workflow: blend base and fine-tuned generators (`blend`), invert aligned faces into the base
(`encoder` guesses, `project` refines, `latent_cache` remembers), render the latent through the
toon (`pipeline`), check the likeness (`identity`), move it along expression directions
(`expression`). `models` loads and checks the pair; `encoder_train` and `photo_augment` train the
encoder; `cli` holds the commands.
Names are imported lazily so the CLI starts without PyTorch.
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

_EXPORTS = {
    "ToonModels": "models",
    "load_toon_models": "models",
    "blend_state_dicts": "blend",
    "PerceptualDistance": "project",
    "ProjectConfig": "project",
    "project": "project",
    "quality_config": "project",
    "Encoder": "encoder",
    "load_encoder": "encoder",
    "LatentCache": "latent_cache",
    "ToonifiedFace": "pipeline",
    "render": "pipeline",
    "toonify_face": "pipeline",
    "toonify_faces": "pipeline",
    "toonify_largest_face": "pipeline",
    "paste_toons": "pipeline",
}

__all__ = [  # noqa: RUF022 - grouped as in _EXPORTS
    "ToonModels", "load_toon_models", "blend_state_dicts", "PerceptualDistance", "ProjectConfig", "project",
    "quality_config", "Encoder", "load_encoder", "LatentCache", "ToonifiedFace", "render", "toonify_face", "toonify_faces", "toonify_largest_face", "paste_toons",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
