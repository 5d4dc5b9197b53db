"""The avatar as SVG: the source of truth, one `<path>` per shape, clip paths and radial
gradients in `<defs>`."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from toonmoji.avatar.geometry import Gradient, Shape, fmt


def svg_document(shapes: list[Shape], size: int = 512, title: str = "toonmoji avatar") -> str:
    """A standalone SVG (viewBox 0 0 100 100, `size` px wide and high) drawing `shapes` in order."""
    defs: list[str] = []
    body: list[str] = []
    clip_ids: dict[str, str] = {}
    gradient_ids: dict[Gradient, str] = {}
    for shape in shapes:
        attrs = [f'd="{shape.path.svg_d()}"']
        if shape.fill is None or not shape.path.closed:
            attrs.append('fill="none"')
        elif shape.gradient is not None:
            if shape.gradient not in gradient_ids:
                gradient_ids[shape.gradient] = f"g{len(gradient_ids)}"
                defs.append(_radial(shape.gradient, gradient_ids[shape.gradient]))
            attrs.append(f'fill="url(#{gradient_ids[shape.gradient]})"')
        else:
            attrs.append(f'fill="{shape.fill}"')
        if shape.stroke is not None and shape.width > 0:
            attrs.append(f'stroke="{shape.stroke}" stroke-width="{shape.width:.2f}"')
        if shape.opacity < 1.0:
            attrs.append(f'opacity="{shape.opacity:.3f}"')
        if shape.clip is not None:
            d = shape.clip.svg_d()
            if d not in clip_ids:
                clip_ids[d] = f"c{len(clip_ids)}"
                defs.append(f'<clipPath id="{clip_ids[d]}"><path d="{d}"/></clipPath>')
            attrs.append(f'clip-path="url(#{clip_ids[d]})"')
        if shape.name:
            attrs.append(f'class="{shape.name}"')
        body.append(f"<path {' '.join(attrs)}/>")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="{size}" height="{size}" '
            'stroke-linecap="round" stroke-linejoin="round">')
    parts = [head, f"<title>{quoteattr(title)[1:-1]}</title>"]
    if defs:
        parts.append("<defs>" + "".join(defs) + "</defs>")
    parts += body
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _radial(g: Gradient, ident: str) -> str:
    stops = "".join(f'<stop offset="{fmt(o)}" stop-color="{c}"/>' for o, c in g.stops)
    return (f'<radialGradient id="{ident}" gradientUnits="userSpaceOnUse" cx="{fmt(g.centre[0])}" '
            f'cy="{fmt(g.centre[1])}" r="{fmt(g.radius)}">{stops}</radialGradient>')
