"""A plot for a refuted scalar claim: both sides of its first broken link over an interval.

The two sides are evaluated with bpcheck's own evaluator, lambdified over their
single free symbol and drawn as a hand-written SVG (paths, ticks, a legend): no
plotting library, and the same numbers always give the same bytes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from ..model import Claim, Verdict

W, H = 520, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 30, 42
SAMPLES = 241
COLORS = ("#1f5fa8", "#c0392b")


@dataclass(frozen=True)
class Plot:
    svg: str
    symbol: str  # LaTeX of the free symbol
    lo: float
    hi: float
    labels: tuple[str, str]


def scalar_plot(claim: Claim, verdict: Verdict) -> Plot | None:
    """The plot of a refuted claim with one free symbol and scalar sides, else None."""
    if claim.setting.kind != "scalar" or verdict.first_broken is None:
        return None
    link = verdict.links[verdict.first_broken]
    try:
        curves = _curves(claim, link.left, link.right, _bindings(link.case), verdict)
    except Exception:  # a plot only illustrates a verdict: it must never break a report
        return None
    if curves is None:
        return None
    symbol, lo, hi, xs, ys, marker = curves
    proved = all(l.kind.value == "VERIFIED" for l in verdict.links[:verdict.first_broken])
    labels = (f"{'true' if proved else 'left'} (side {link.left + 1})",
              f"claimed (side {link.right + 1})")
    svg = render_svg(xs, ys, labels, symbol, marker, f"{claim.id}: {labels[1]} vs {labels[0]}")
    return Plot(svg, symbol, lo, hi, labels)


def _bindings(case: str) -> dict[str, int]:
    out = {}
    for part in filter(None, (p.strip() for p in case.split(","))):
        key, _, value = part.partition("=")
        if value.strip().lstrip("-").isdigit():
            out[key.strip()] = int(value)
    return out


def _curves(claim: Claim, left: int, right: int, bindings: dict[str, int],
            verdict: Verdict) -> tuple[Any, ...] | None:
    import numpy as np
    import sympy as sp
    from ..symbolic.atoms import UNDEFINED

    from ..symbolic.atoms import NUMPY_FUNCS
    from ..catalog.files import setting_names
    from ..symbolic.evaluate import Evaluator
    from ..catalog.formula import parse
    from ..decide.worlds import world_for

    world = world_for(claim)
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    values = []
    for k in (left, right):
        v = Evaluator(world, bindings).eval(parse(claim.sides[k], names).tree)
        if isinstance(v, sp.MatrixBase):
            if v.shape != (1, 1):
                return None
            v = v[0, 0]
        if not isinstance(v, sp.Expr) or v.atoms(*UNDEFINED):
            return None
        values.append(v)
    free = set().union(*(v.free_symbols for v in values))
    if len(free) != 1:
        return None
    (s,) = free
    lo, hi = world.ranges.get(s, (-2.0, 2.0))
    marker = _marker(verdict, sp.latex(s))
    if marker is not None:
        lo, hi = min(lo, marker), max(hi, marker)
    xs = np.linspace(lo, hi, SAMPLES)
    fn = sp.lambdify([s], values, modules=[NUMPY_FUNCS, "numpy"])
    with np.errstate(all="ignore"):
        ys = [np.broadcast_to(np.asarray(c, dtype=complex), xs.shape) for c in fn(xs)]
    real = [np.where(np.abs(y.imag) < 1e-12, y.real, np.nan) for y in ys]
    return sp.latex(s), float(lo), float(hi), xs, real, marker


def _marker(verdict: Verdict, name: str) -> float | None:
    cx = verdict.counterexample
    if cx is None:
        return None
    return next((v for k, v in cx.inputs if k == name), None)


# ---- SVG --------------------------------------------------------------------------------

def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], about n of them."""
    span = hi - lo
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    count = int(math.floor((hi - first) / step + 1e-9)) + 1
    return [round(first + k * step, 12) for k in range(count)]


def _y_range(ys: list[Any]) -> tuple[float, float]:
    import numpy as np
    finite = np.concatenate([y[np.isfinite(y)] for y in ys])
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    q_lo, q_hi = (float(q) for q in np.quantile(finite, [0.03, 0.97]))
    if hi - lo > 20 * max(q_hi - q_lo, 1e-12):  # a pole: show the bulk, not the spike
        lo, hi = q_lo, q_hi
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def _path(xs: Any, y: Any, sx: Any, sy: Any, ylo: float, yhi: float) -> str:
    parts, pen = [], False
    for x, v in zip(xs, y):
        if not (math.isfinite(v) and ylo <= v <= yhi):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{sx(x):.1f} {sy(v):.1f}")
        pen = True
    return " ".join(parts)


def _fmt(v: float) -> str:
    text = f"{v:.4g}"
    return "0" if text in ("-0", "0") else text.replace("-", "−")


def render_svg(xs: Any, ys: list[Any], labels: tuple[str, str], symbol: str,
               marker: float | None, title: str) -> str:
    xlo, xhi = float(xs[0]), float(xs[-1])
    ylo, yhi = _y_range(ys)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - xlo) / (xhi - xlo) * pw

    def sy(y: float) -> float:
        return TOP + (yhi - y) / (yhi - ylo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
           f'height="{H}" role="img" font-family="sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>",
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="#fff" stroke="#888"/>']
    for t in nice_ticks(xlo, xhi):
        out.append(f'<line x1="{sx(t):.1f}" y1="{TOP}" x2="{sx(t):.1f}" y2="{TOP + ph}" '
                   f'stroke="#eee"/><text x="{sx(t):.1f}" y="{TOP + ph + 14}" '
                   f'text-anchor="middle">{_fmt(t)}</text>')
    for t in nice_ticks(ylo, yhi):
        out.append(f'<line x1="{LEFT}" y1="{sy(t):.1f}" x2="{LEFT + pw}" y2="{sy(t):.1f}" '
                   f'stroke="{"#999" if t == 0 else "#eee"}"/><text x="{LEFT - 6}" '
                   f'y="{sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    if marker is not None:
        right = sx(marker) > LEFT + pw / 2  # label on the side with room
        out.append(f'<line x1="{sx(marker):.1f}" y1="{TOP}" x2="{sx(marker):.1f}" '
                   f'y2="{TOP + ph}" stroke="#777" stroke-dasharray="2 3"/>'
                   f'<text x="{sx(marker) + (-4 if right else 4):.1f}" y="{TOP + 12}" '
                   f'fill="#555" text-anchor="{"end" if right else "start"}">counterexample'
                   f"</text>")
    for k, (y, label) in enumerate(zip(ys, labels)):
        dash = ' stroke-dasharray="7 4"' if k else ""
        out.append(f'<path d="{_path(xs, y, sx, sy, ylo, yhi)}" fill="none" '
                   f'stroke="{COLORS[k]}" stroke-width="2"{dash}/>')
        ly = 14
        lx = LEFT + k * 200
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{COLORS[k]}" '
                   f'stroke-width="2"{dash}/><text x="{lx + 30}" y="{ly + 4}">'
                   f"{escape(label)}</text>")
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 8}" text-anchor="middle" '
               f'font-style="italic">{escape(_plain(symbol))}</text></svg>')
    return "\n".join(out) + "\n"


def _plain(latex: str) -> str:
    """A symbol's LaTeX as plain text for an SVG label: x_{1} -> x1, \\sigma -> sigma."""
    return latex.replace("\\", "").replace("{", "").replace("}", "").replace("_", "")
