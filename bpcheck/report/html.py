"""A proof report as one self-contained HTML page.

Math is Presentation MathML, which Chromium and Firefox render natively; plots
are inline SVG; the style sheet is inline.  No script, font or request leaves
the file, so it opens offline and prints cleanly.  The markup is XHTML-compatible
(every element closed, only XML's own entities) so that XML tools can read it.
"""
from __future__ import annotations

import re
from html import escape
from typing import Any

from ..model import Kind
from .blocks import MARK
from ..typeset.printers import eq_mathml, symbol_mathml, to_mathml

CSS = """
:root { --ok: #1e7b34; --bad: #b42318; --warn: #9a6700; --err: #8e24aa; --line: #d0d7de; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
  "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", sans-serif; color: #1f2328;
  margin: 0; background: #f6f8fa; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff;
  overflow-wrap: break-word; }
h1 { font-size: 1.7rem; border-bottom: 2px solid var(--line); padding-bottom: .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); }
h4 { margin: 1.2rem 0 .4rem; color: #57606a; text-transform: uppercase; font-size: .8rem;
  letter-spacing: .06em; }
section.claim { border: 1px solid var(--line); border-left: 6px solid var(--line);
  border-radius: 6px; padding: .2rem 1.2rem 1rem; margin: 1.5rem 0; min-width: 0; }
section.claim p, section.claim li { overflow-x: auto; overflow-y: hidden; }
section.VERIFIED { border-left-color: var(--ok); }
section.REFUTED { border-left-color: var(--bad); }
section.INCONCLUSIVE { border-left-color: var(--warn); }
section.ERROR { border-left-color: var(--err); }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; color: #fff;
  font-weight: 600; font-size: .85em; }
.badge.VERIFIED { background: var(--ok); } .badge.REFUTED { background: var(--bad); }
.badge.INCONCLUSIVE { background: var(--warn); } .badge.ERROR { background: var(--err); }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .6rem; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.chain td { border: none; padding: .15rem .4rem; vertical-align: middle; }
table.chain td.lhs { text-align: right; }
table.chain math { display: inline math; math-style: normal; }
table.chain td.mark { font-weight: 700; white-space: nowrap; }
.mark.VERIFIED { color: var(--ok); } .mark.REFUTED { color: var(--bad); }
.mark.INCONCLUSIVE { color: var(--warn); } .mark.ERROR { color: var(--err); }
.scroll { overflow-x: auto; }
math { font-size: 1.1em; font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math",
  "DejaVu Math TeX Gyre", math; }
math[display="block"] { margin: .5rem 0; max-width: 100%; overflow-x: auto; }
ul.inputs { columns: 14rem; padding-left: 1.2rem; }
pre.latex { white-space: pre-wrap; font-size: .8em; background: #f6f8fa; padding: .5rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: #57606a; }
code { background: #f6f8fa; padding: 0 .25em; border-radius: 3px; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  main { padding: 1rem .75rem 3rem; }
  section.claim { padding: .2rem .7rem .8rem; }
}
a { color: #0969da; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  section.claim { break-inside: avoid-page; }
  h2, h3, h4 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .scroll { overflow: visible; }
}
"""


def inline(parts: list[Any]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(escape(p, quote=False))
        elif p[0] == "b":
            out.append(f"<strong>{escape(p[1], quote=False)}</strong>")
        elif p[0] == "i":
            out.append(f"<em>{escape(p[1], quote=False)}</em>")
        elif p[0] == "code":
            out.append(f"<code>{escape(p[1], quote=False)}</code>")
        elif p[0] == "math":
            out.append(eq_mathml(list(p[1]), p[2]))
        elif p[0] == "sym":
            out.append(symbol_mathml(p[1]))
        elif p[0] == "link":
            target = (f"{p[2]}.html" if p[2] else "") + (f"#{p[3]}" if p[3] else "")
            out.append(f'<a href="{escape(target)}">{escape(p[1], quote=False)}</a>')
        elif p[0] == "verdict":
            out.append(f'<span class="badge {p[1].value}">{MARK[p[1]]} {p[1].value}</span>')
    return "".join(out)


def block(b: tuple) -> str:
    kind = b[0]
    if kind == "h":
        ident = f' id="{escape(b[3])}"' if b[3] else ""
        return f"<h{b[1]}{ident}>{inline(b[2])}</h{b[1]}>"
    if kind == "p":
        return f"<p>{inline(b[1])}</p>"
    if kind in ("ul", "inputs"):
        items = "".join(f"<li>{inline(i)}</li>" for i in b[1])
        return f'<p>Inputs:</p><ul class="inputs">{items}</ul>' if kind == "inputs" \
            else f"<ul>{items}</ul>"
    if kind == "table":
        head = "".join(f"<th>{escape(h)}</th>" for h in b[1])
        rows = "".join("<tr>" + "".join(_cell(c) for c in r) + "</tr>" for r in b[2])
        return f'<div class="scroll"><table><tr>{head}</tr>{rows}</table></div>'
    if kind == "chain":
        return chain(b[1], b[2], b[3])
    if kind == "display":
        return f'<pre class="latex">{escape(b[1], quote=False)}</pre>'
    if kind == "plot":
        p = b[1]
        return (f"<figure>{p.svg}<figcaption>{escape(p.labels[0])} (solid) and "
                f"{escape(p.labels[1])} (dashed), {symbol_mathml(p.symbol)} from "
                f"{p.lo:.6g} to {p.hi:.6g}.</figcaption></figure>")
    if kind == "claim":
        body = "\n".join(block(s) for s in b[3])
        return f'<section class="claim {b[2].value}" id="{escape(b[1])}">\n{body}\n</section>'
    raise ValueError(f"unknown block {kind!r}")


def _cell(parts: list[Any]) -> str:
    text = inline(parts)
    numeric = all(isinstance(p, str) for p in parts) and NUMBER.fullmatch(text)
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


NUMBER = re.compile(r"[-+0-9.e, ]*[0-9][-+0-9.e, ]*|—")


def chain(sides: list[str], kinds: list[Kind], lay: frozenset[str]) -> str:
    """A = B = C as a table: one row per link, each with its own mark."""
    rows = []
    for k, side in enumerate(sides[1:]):
        kind = kinds[k] if k < len(kinds) else Kind.INCONCLUSIVE
        lhs = to_mathml(sides[0], lay, display=True) if k == 0 else ""
        rows.append(f'<tr><td class="lhs">{lhs}</td><td>{to_mathml(side, lay, True, "=")}</td>'
                    f'<td class="mark {kind.value}" title="link {k + 1}: {kind.value}">'
                    f"{MARK[kind]} link {k + 1}</td></tr>")
    return '<div class="scroll"><table class="chain">' + "".join(rows) + "</table></div>"


def _lang(text: str) -> str:
    """A Chinese title is marked so, so that the browser picks a CJK font for it."""
    if re.search(r"[\u3040-\u30ff]", text):  # kana: Japanese
        return ' lang="ja"'
    return ' lang="zh"' if re.search(r"[\u4e00-\u9fff]", text) else ""


def render_html(title: str, blocks: list) -> str:
    body = "\n".join(block(b) for b in blocks)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1{_lang(title)}>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n")
