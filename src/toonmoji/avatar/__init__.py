"""A personal cartoon avatar with nothing downloaded: fitted from one photo, drawn as vectors.

    from toonmoji.avatar import fit
    avatar = fit(image)                               # (H, W, 3) uint8 RGB photo
    rgba = avatar.render(emotion="happy", intensity=0.8, size=256)
    svg = avatar.to_svg(); text = avatar.to_json()

Modules: model (attributes, JSON schema), fitting (photo -> attributes) with colour, hair and features,
expression (seven emotions as face controls), scene (attributes -> shapes: head, draw_hair,
draw_eyes, draw_mouth), svg and raster (the same shapes as SVG text or RGBA pixels), likeness
(how alike two avatars are), pose (the drawing turned in 3D), puppet and puppet_video (the avatar
moved by a face in a camera or video), animate (animated stickers), cli.
"""

from __future__ import annotations

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.expression import Expression, expression_for
from toonmoji.avatar.model import Attributes, AvatarError

__all__ = ["Attributes", "Avatar", "AvatarError", "Expression", "expression_for", "fit"]


def fit(image, face=None, detector: str = "auto", source: str = "the image") -> Avatar:
    """The avatar of the largest face in an `(H, W, 3) uint8` RGB photo (or of `face`)."""
    from toonmoji.avatar.fitting import fit_avatar

    return fit_avatar(image, face=face, detector=detector, source=source)
