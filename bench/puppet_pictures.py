"""The pictures on docs/guides/puppet.md: the puppet following generated frames of the sample
portrait (turned in depth, tilted, an eye shut, the mouth opened, the face gone for 3 s), each
after half a second of the face as taken, and the six
animated stickers at their liveliest frame.

    PYTHONPATH=src python3 bench/puppet_pictures.py   # writes docs/puppet_follow.png, docs/puppet_stickers.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from puppet_frames import eye_shut, head_crop, mouth_opened, rotated, turned
from toonmoji.avatar import fit
from toonmoji.avatar.animate import ANIMATIONS, animation_frames
from toonmoji.avatar.puppet import Puppet
from toonmoji.emoji.sheet import make_sheet
from toonmoji.faces.detect import AutoDetector
from toonmoji.imageio import write_image
from toonmoji.samples import sample_portrait

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    portrait = sample_portrait()
    avatar = fit(portrait)
    crop, mesh = head_crop(portrait, AutoDetector().detect(portrait)[0].mesh)
    centre = tuple(mesh[:468].mean(axis=0))
    cx, radius = float(mesh[1, 0]), 0.6 * float(np.ptp(mesh[:468, 0]))
    frames = [("turned -30", turned(crop, -30, cx, radius)), ("as taken", crop), ("turned +30", turned(crop, 30, cx, radius)),
              ("tilted 20", rotated(crop, 20, centre)), ("eye shut", eye_shut(crop, mesh)),
              ("mouth open", mouth_opened(crop, mesh, 0.3)), ("no face", np.full_like(crop, 128))]
    cells = []
    for name, frame in frames:
        puppet = Puppet.create(avatar, 160)
        for i in range(15):  # half a second of the face as taken: the eyes' rest is learnt
            puppet.step(crop, i / 30)
        for i in range(4):  # then a few frames of this one, as a camera gives them: the filters settle
            drawn = puppet.step(frame, 0.5 + (i if name != "no face" else 30 * i) / 30)
        cells += [(name, np.dstack([frame[::2, ::2][:160, :160], np.full((128, 128), 255, np.uint8)])), ("", drawn.rgba)]
    photos = [(n, np.pad(c, ((16, 16), (16, 16), (0, 0)), constant_values=255)) for n, c in cells[0::2]]
    write_image(DOCS / "puppet_follow.png", make_sheet(photos + cells[1::2], cell=160, columns=len(frames), background="white"),
                force=True)
    stickers = []
    for name in ANIMATIONS:
        anim = animation_frames(avatar, name, size=160)
        moves = [np.abs(f.astype(int) - anim[0].astype(int)).mean() for f in anim]
        stickers.append((name, anim[int(np.argmax(moves))]))
    write_image(DOCS / "puppet_stickers.png", make_sheet(stickers, cell=160, columns=len(stickers), background="white"),
                force=True)


if __name__ == "__main__":
    main()
