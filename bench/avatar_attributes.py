"""Are the fitted avatar's attributes right? Agreement with the labelled development set
../shared/data/faces-attributes (hair length, tied, hair colour class, facial hair, glasses).

Every labelled face is fitted with the product's own detector (`auto`: CenterFace + mesh; the
detected face that overlaps the label's box most) and named by the data set's comparison rules
(`toonmoji.avatar.naming`); `unsure` labels are left out of each score. Besides the overall
agreement it prints a confusion table per attribute, the share of clean-shaven faces drawn with
any beard or stubble, leave-one-photo-out checks of the facial hair, glasses and hair colour
thresholds, how many wrong and right glasses answers are given as doubtful, the agreement per
photo source (the 11 dlib photos vs the 11 photos from other repositories) and per split half (photos alternately assigned). All 86 faces were looked at
while the cues were chosen, so no column is a held-out score: the columns show whether a cue works
evenly across sources and halves of this small, skewed set rather than on one part of it.
Optionally draws a contact sheet: photo crop beside the avatar, labels (black) and fitted values
(green: agrees, red: not) under each, doubtful choices in grey.

    PYTHONPATH=src python bench/avatar_attributes.py [--sheet docs/avatar_attributes_sheet.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_likeness import photo_cell
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import lab_of, white_balance_gains
from toonmoji.avatar.cues import skin_lab
from toonmoji.avatar.facial_hair import DARK, MOTTLE, STROKES, decide, measure
from toonmoji.avatar.fitting import fit_avatar
from toonmoji.avatar.glasses import BRIDGE, MIN_FACE_PX, RIM, TEMPLE, frame_lines
from toonmoji.avatar.hair import colour_sample, fit_hair
from toonmoji.avatar.hair_colour import Thresholds, hair_class, hair_cue
from toonmoji.avatar.model import DOUBTFUL
from toonmoji.avatar.naming import colour_class, facial_hair_class, length_class
from toonmoji.avatar.surroundings import person_mask
from toonmoji.faces import detect_faces
from toonmoji.imageio import read_image

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces-attributes"
for candidate in (DATA, Path("/work/shared/data/faces-attributes")):
    if candidate.is_dir():
        DATA = candidate
        break
ATTRS = ("hair_length", "hair_tied", "hair_colour", "facial_hair", "glasses")
GOALS = {"hair_length": 0.90, "hair_colour": 0.85, "facial_hair": 0.90, "glasses": 0.95}


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def labelled_faces():
    """(label entry, photo, detected face or None) for every labelled face, photo by photo."""
    labels = json.loads((DATA / "labels.json").read_text())
    by_file: dict[str, list] = defaultdict(list)
    for entry in labels:
        by_file[entry["file"]].append(entry)
    for file, entries in sorted(by_file.items()):
        photo = read_image(DATA / file)
        faces = detect_faces(photo)
        for entry in entries:
            best = max(faces, key=lambda f: _iou(f.box, entry["box"]), default=None)
            ok = best is not None and _iou(best.box, entry["box"]) > 0.25
            yield entry, photo, best if ok else None


def fitted_values(attrs) -> dict[str, object]:
    style = attrs.hair.style
    return {"hair_length": length_class(style),
            "hair_tied": style in ("ponytail", "bun"),
            "hair_colour": "none" if style == "bald" else colour_class(attrs.hair.color),
            "facial_hair": facial_hair_class(attrs.beard.style),
            "glasses": attrs.glasses.style != "none"}


def label_value(entry: dict, attr: str):
    value = entry[attr]
    if attr == "hair_length" and entry["hair_tied"] is True and value == "unsure":
        return "long"  # the README: hair_tied faces are long
    return value


def score(rows: list[dict], attr: str) -> tuple[int, int]:
    pairs = [(label_value(r["label"], attr), r["fit"][attr]) for r in rows if r["fit"] is not None]
    pairs = [(lab, fit) for lab, fit in pairs if lab != "unsure"]
    return sum(lab == fit for lab, fit in pairs), len(pairs)


def confusion(rows: list[dict], attr: str) -> None:
    pairs = Counter((str(label_value(r["label"], attr)), str(r["fit"][attr])) for r in rows
                    if r["fit"] is not None and label_value(r["label"], attr) != "unsure")
    labels = sorted({a for a, _ in pairs})
    fits = sorted({b for _, b in pairs})
    print(f"\n{attr}: label (rows) x fitted (columns)")
    print("| label | " + " | ".join(fits) + " |")
    print("|---" * (len(fits) + 1) + "|")
    for lab in labels:
        print(f"| {lab} | " + " | ".join(str(pairs.get((lab, f), 0) or ".") for f in fits) + " |")


def facial_hair_lopo(rows: list[dict]) -> None:
    """Leave one photo out: the three facial hair thresholds (lower-face darkness, stroke share,
    jaw mottle) that agree best with the other photos' labels, scored on the left-out photo,
    against the shipped ones."""
    cases = []
    for r in rows:
        label = r["label"]["facial_hair"]
        if r["face"] is None or label == "unsure":
            continue
        c = Canonical.from_photo(r["photo"], r["face"].landmarks)
        cases.append((r["label"]["file"], label, measure(c, white_balance_gains(r["photo"]))[0]))
    grid = [(d, s, m) for d in (8.0, 10.0, 12.0, 15.0, 18.0, 22.0, 26.0) for s in (0.04, 0.06, 0.08, 0.10, 0.12, 0.15)
            for m in (0.6, 0.8, 1.0, 1.2, 1.5, 99.0)]  # 99: no mottle cue
    shipped_t = (DARK, STROKES, MOTTLE)

    def named(case, d, s, m) -> str:
        return facial_hair_class(decide(case[2], d, s, m)[0])

    hits = {t: [named(k, *t) == k[1] for k in cases] for t in grid}
    photos = sorted({k[0] for k in cases})
    lopo, shaven_fp, shaven = 0, 0, 0
    chosen = []
    for p in photos:
        train = [i for i, k in enumerate(cases) if k[0] != p]
        best = max(grid, key=lambda t: (sum(hits[t][i] for i in train), t == shipped_t))
        chosen.append(best)
        for i, k in enumerate(cases):
            if k[0] == p:
                lopo += hits[best][i]
                if k[1] == "none":
                    shaven += 1
                    shaven_fp += named(k, *best) != "none"
    shipped = sum(hits[shipped_t])
    print(f"\nfacial hair, leave one photo out ({len(photos)} photos): thresholds picked on the other photos "
          f"agree {percent(lopo, len(cases))}, clean-shaven given hair {percent(shaven_fp, shaven)}; "
          f"the shipped thresholds (darkness {DARK:g}, strokes {STROKES:g}, mottle {MOTTLE:g}) "
          f"{percent(shipped, len(cases))}; picked (darkness/strokes/mottle): "
          + ", ".join(f"{d:g}/{s:g}/{m:g} x{chosen.count((d, s, m))}" for d, s, m in sorted(set(chosen))))


def glasses_lopo(rows: list[dict]) -> None:
    """Leave one photo out for the glasses cue's three thresholds (bridge, temple-arm and lower-rim
    line depth, L*): on the other photos, the thresholds that agree best with the labels, a glasses
    drawn on a bare face counting as two misses (among ties, the one nearest the middle of the tied ones, the way the shipped ones sit midway between
    the classes), scored on the left-out photo."""
    cases = []
    for r in rows:
        if r["face"] is None:
            continue
        c = Canonical.from_photo(r["photo"], r["face"].landmarks)
        width = c.face_px
        lines = frame_lines(c) if width >= MIN_FACE_PX else None
        cases.append((r["label"]["file"], bool(r["label"]["glasses"]), lines, width))
    steps = np.arange(2.0, 6.01, 0.25)
    grid = np.array([(b, t, m) for b in steps for t in steps for m in steps])
    shipped = np.array([BRIDGE, TEMPLE, RIM])
    depth = np.array([(k[2].bridge, k[2].temple, k[2].rim) if k[2] else (-np.inf,) * 3 for k in cases])
    said = (depth[None, :, :] >= grid[:, None, :]).any(axis=2)  # FrameLines.evidence >= 1
    truth = np.array([k[1] for k in cases])[None, :]
    hits = said == truth
    photos = sorted({k[0] for k in cases})
    lopo, false_pos, chosen = 0, 0, []
    for p in photos:
        train = np.array([k[0] != p for k in cases])
        agree = hits[:, train].sum(axis=1) - (said & ~truth)[:, train].sum(axis=1)  # a false positive counts twice
        tied = grid[agree == agree.max()]
        if any(np.allclose(t, shipped) for t in tied):
            best = shipped
        else:
            best = tied[np.argmin(np.abs(tied - tied.mean(axis=0)).sum(axis=1))]
        chosen.append(tuple(best))
        row = int(np.argmin(np.abs(grid - best).sum(axis=1)))
        for i, k in enumerate(cases):
            if k[0] == p:
                lopo += hits[row, i]
                false_pos += (not hits[row, i]) and not k[1]
    row = int(np.argmin(np.abs(grid - shipped).sum(axis=1)))
    print(f"\nglasses, leave one photo out ({len(photos)} photos): thresholds picked on the other photos agree "
          f"{percent(int(lopo), len(cases))} ({false_pos} glasses on bare faces); the shipped thresholds (bridge "
          f"{BRIDGE:g}, temple {TEMPLE:g}, rim {RIM:g}) {percent(int(hits[row].sum()), len(cases))}; "
          f"picked: {', '.join(f'{a:g}/{b:g}/{c:g}' for a, b, c in sorted(set(chosen)))}")


def glasses_doubt(rows: list[dict]) -> None:
    """How the glasses confidence matches the misses: the share of wrong and of right answers given
    as doubtful (score under 0.6, the other answer one click away), so a miss that cannot be told at
    the face's size still offers the right answer."""
    judged = [(r["fit"]["glasses"] == bool(r["label"]["glasses"]), r["avatar"].attributes.confidence["glasses.style"])
              for r in rows if r["fit"] is not None]
    wrong = [c for ok, c in judged if not ok]
    right = [c for ok, c in judged if ok]
    print(f"\nglasses given as doubtful (score < {DOUBTFUL}): {sum(c.score < DOUBTFUL for c in wrong)} of {len(wrong)} "
          f"wrong answers, {sum(c.score < DOUBTFUL for c in right)} of {len(right)} right ones")


def hair_cue_of(photo, face):
    """The hair colour cue the fit names (lit strands against the skin), or None where the fit
    read no colour (hair out of frame, a hat): the cue of `fit_attributes`, recomputed."""
    c = Canonical.from_photo(photo, face.landmarks)
    gains = white_balance_gains(photo)
    skin = skin_lab(c, gains)
    person = person_mask(c)
    hair = fit_hair(c, skin, gains, person)
    if hair.color is None or hair.mask.sum() < 30:
        return None
    lab = lab_of(c.image.reshape(-1, 3)).reshape(c.image.shape)
    sample = colour_sample(c, hair.mask, lab, skin, person)
    return hair_cue(lab_of(np.clip(c.image[sample] * gains, 0, 255)), skin)


def hair_colour_lopo(rows: list[dict]) -> None:
    """Leave one photo out for the hair colour names' thresholds (black, glossy black, light
    brown, light, neutral and neutral black warmth, skin jump), as `facial_hair_lopo` does for the
    beard. Faces drawn bald, or with no colour read, keep their fitted value whatever the thresholds."""
    cases = []
    for r in rows:
        label = r["label"]["hair_colour"]
        if r["fit"] is None or label == "unsure":
            continue
        fixed = r["fit"]["hair_colour"]
        cue = None if fixed == "none" else hair_cue_of(r["photo"], r["face"])
        cases.append((r["label"]["file"], label, cue, fixed))
    shipped = Thresholds()
    grid = [Thresholds(black=b, glossy=g, light_brown=lb, light=li, neutral=n, neutral_black=nb, skin_jump=sj)
            for b in (18.0, 21.0, 24.0, 27.0) for g in (0.0, 0.05, 0.07, 0.09)
            for lb in (0.12, 0.14, 0.16, 0.18, 0.2) for li in (0.26, 0.3, 0.34, 0.38)
            for n in (-0.4, -0.3, -0.2, -0.1, 0.0) for nb in (-1.15, -1.0, -0.85, -0.7, -0.55)
            for sj in (0.3, 0.5, 0.7)]
    if shipped not in grid:
        grid.append(shipped)
    hits = np.array([[(hair_class(k[2], t) if k[2] is not None else k[3]) == k[1] for k in cases] for t in grid])
    photos = sorted({k[0] for k in cases})
    lopo, chosen = 0, []
    first = grid.index(shipped)
    for p in photos:
        held = np.array([k[0] == p for k in cases])
        train = hits[:, ~held].sum(axis=1)
        best = first if train[first] == train.max() else int(np.argmax(train))
        chosen.append(grid[best])
        lopo += int(hits[best, held].sum())
    print(f"\nhair colour, leave one photo out ({len(photos)} photos): thresholds picked on the other photos "
          f"agree {percent(lopo, len(cases))}; the shipped thresholds (black {shipped.black:g}, glossy "
          f"{shipped.glossy:g}, light brown {shipped.light_brown:g}, light {shipped.light:g}, neutral "
          f"{shipped.neutral:g}, neutral black {shipped.neutral_black:g}, skin jump {shipped.skin_jump:g}) "
          f"{percent(int(hits[first].sum()), len(cases))}; "
          "picked (black/glossy/light brown/light/neutral/neutral black/skin jump): "
          + ", ".join(f"{t.black:g}/{t.glossy:g}/{t.light_brown:g}/{t.light:g}/{t.neutral:g}/{t.neutral_black:g}"
                      f"/{t.skin_jump:g} x{n}" for t, n in Counter(chosen).most_common()))


def percent(hit: int, n: int) -> str:
    return f"{100.0 * hit / n:5.1f}% ({hit}/{n})" if n else "  -"


def sheet(rows: list[dict], out: Path, cell: int = 96, columns: int = 6) -> None:
    """Photo crop | avatar, with the label (L) and fitted (F) values underneath, misses in red."""
    tiles = []
    for r in rows:
        w = 2 * cell
        tile = Image.new("RGB", (w, cell + 40), "white")
        if r["face"] is not None:
            tile.paste(Image.fromarray(photo_cell(r["photo"], r["face"], cell)), (0, 0))
        if r["avatar"] is not None:
            rgba = r["avatar"].render("neutral", 1.0, cell)
            a = rgba[..., 3:4].astype(np.float32) / 255.0
            tile.paste(Image.fromarray((rgba[..., :3] * a + 255 * (1 - a)).astype(np.uint8)), (cell, 0))
        d = ImageDraw.Draw(tile)
        d.text((2, 1), r["name"], fill=(255, 255, 0))
        lab, fit = r["label"], r["fit"]
        short = {"hair_length": lambda v: str(v), "hair_tied": lambda v: "tied" if v is True else ("tied?" if v == "unsure" else ""),
                 "hair_colour": lambda v: str(v).replace("_", " "), "facial_hair": lambda v: str(v),
                 "glasses": lambda v: "glasses" if v else ""}
        x = 2
        for attr in ATTRS:
            text = short[attr](label_value(lab, attr))
            d.text((x, cell + 2), text, fill=(0, 0, 0))
            ftext = "no face" if fit is None else short[attr](fit[attr])
            bad = fit is not None and label_value(lab, attr) != "unsure" and label_value(lab, attr) != fit[attr]
            d.text((x, cell + 14), ftext, fill=(220, 0, 0) if bad else (0, 110, 0))
            x += max(d.textlength(text), d.textlength(ftext)) + 6
        if r["avatar"] is not None:
            doubt = ", ".join(f"{k.split('.')[0]}?{c.alternative}" for k, c in r["avatar"].attributes.doubtful().items())
            d.text((2, cell + 26), doubt[:40], fill=(90, 90, 90))
        tiles.append(np.asarray(tile))
    while len(tiles) % columns:
        tiles.append(np.full_like(tiles[0], 255))
    grid = np.concatenate([np.concatenate(tiles[i : i + columns], axis=1) for i in range(0, len(tiles), columns)], axis=0)
    img = Image.fromarray(grid).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)
    print(f"\ncontact sheet: {out} ({out.stat().st_size / 1e6:.2f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, help="also draw a contact sheet PNG here")
    parser.add_argument("--verbose", action="store_true", help="print every face's labels and fit")
    args = parser.parse_args()
    if not (DATA / "labels.json").is_file():
        sys.exit(f"no labelled set at {DATA}")

    rows, start = [], time.perf_counter()
    count: Counter = Counter()
    for entry, photo, face in labelled_faces():
        stem = Path(entry["file"]).stem.split("__")[-1]
        count[stem] += 1
        name = f"{stem[:16]}#{count[stem]}"
        avatar = fit_avatar(photo, face) if face is not None else None
        fit = fitted_values(avatar.attributes) if avatar is not None else None
        rows.append({"name": name, "label": entry, "fit": fit, "avatar": avatar, "photo": photo, "face": face,
                     "source": "dlib" if entry["file"].startswith("../faces/") else "other"})
        if args.verbose:
            a = avatar.attributes if avatar else None
            print(name, {k: label_value(entry, k) for k in ATTRS}, "->", fit,
                  a and a.hair.style, a and a.hair.color, a and a.beard.style,
                  a and {k: (round(c.score, 2), c.alternative) for k, c in a.confidence.items()})
    elapsed = time.perf_counter() - start
    missed = [r["name"] for r in rows if r["fit"] is None]
    print(f"{len(rows)} labelled faces, {len(missed)} not found by the detector {missed}; {elapsed:.0f} s")

    photos = sorted({r["label"]["file"] for r in rows})
    half = {p: i % 2 for i, p in enumerate(photos)}
    print("\n| attribute | all | goal | dlib photos | other photos | half A | half B |")
    print("|---|---|---|---|---|---|---|")
    for attr in ATTRS:
        parts = [score(rows, attr),
                 score([r for r in rows if r["source"] == "dlib"], attr),
                 score([r for r in rows if r["source"] == "other"], attr),
                 score([r for r in rows if half[r["label"]["file"]] == 0], attr),
                 score([r for r in rows if half[r["label"]["file"]] == 1], attr)]
        goal = f">= {GOALS[attr]:.0%}" if attr in GOALS else "-"
        print(f"| {attr} | {percent(*parts[0])} | {goal} | " + " | ".join(percent(*p) for p in parts[1:]) + " |")
    shaven = [r for r in rows if r["fit"] is not None and r["label"]["facial_hair"] == "none"]
    given = sum(r["fit"]["facial_hair"] != "none" for r in shaven)
    print(f"\nclean-shaven faces given a beard or stubble: {percent(given, len(shaven))} (goal <= 5%)")
    for attr in ATTRS:
        confusion(rows, attr)
    facial_hair_lopo(rows)
    glasses_lopo(rows)
    glasses_doubt(rows)
    hair_colour_lopo(rows)
    if args.sheet:
        sheet(rows, args.sheet)


if __name__ == "__main__":
    main()
