"""A proof report's blocks as GitHub Markdown (math as `$...$` LaTeX)."""
from __future__ import annotations

import re

from ..typeset.printers import chain_latex, eq_latex
from .blocks import MARK, fval


def esc(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|$])", r"\\\1", text)


def md_inline(parts: list) -> str:
    out = []
    for p in parts:
        kind = "text" if isinstance(p, str) else p[0]
        if kind == "text":
            out.append(esc(p))
        elif kind in ("b", "i"):
            mark = "**" if kind == "b" else "*"
            out.append(f"{mark}{esc(p[1].strip())}{mark}" + " " * p[1].endswith(" "))
        elif kind == "code":
            out.append(f"`{p[1]}`")
        elif kind in ("math", "sym"):
            out.append(f"${eq_latex(list(p[1]), p[2]) if kind == 'math' else p[1]}$")
        elif kind == "link":
            target = (f"{p[2]}.md" if p[2] else "") + (f"#{p[3]}" if p[3] else "")
            out.append(f"[{esc(p[1])}]({target})")
        elif kind == "verdict":
            out.append(f"**{MARK[p[1]]} {p[1].value}**")
    return "".join(out)


def md_block(b: tuple) -> list[str]:
    kind = b[0]
    if kind == "h":
        return ([f'<a id="{b[3]}"></a>', ""] if b[3] else []) + \
            ["#" * b[1] + " " + md_inline(b[2]), ""]
    if kind == "p":
        return [md_inline(b[1]), ""]
    if kind == "ul":
        return [f"- {md_inline(item)}" for item in b[1]] + [""]
    if kind == "inputs":
        return ["Inputs: " + "; ".join(md_inline(item) for item in b[1]) + ".", ""]
    if kind == "table":
        return ["| " + " | ".join(b[1]) + " |", "|" + "---|" * len(b[1]),
                *["| " + " | ".join(md_inline(c) for c in r) + " |" for r in b[2]], ""]
    if kind == "chain":
        return ["$$", *chain_latex(b[1], [f"{MARK[k]} link {n + 1}" for n, k in enumerate(b[2])],
                                   b[3]), "$$", ""]
    if kind == "display":
        return ["$$", b[1].replace("\n", " ").replace("\\\\", "\\\\\n"), "$$", ""]
    if kind == "plot":
        p = b[1]
        return [f"![{esc(p.labels[1])} and {esc(p.labels[0])} over an interval]({b[2]})", "",
                f"*{esc(p.labels[0])} (solid) and {esc(p.labels[1])} (dashed), "
                f"${p.symbol}$ from {fval(p.lo)} to {fval(p.hi)}.*", ""]
    if kind == "claim":
        return [f'<a id="{b[1]}"></a>', ""] + [line for s in b[3] for line in md_block(s)]
    raise ValueError(f"unknown block {kind!r}")


def render_md(title: str, blocks: list) -> str:
    lines = [f"# {esc(title)}", ""] + [line for b in blocks for line in md_block(b)]
    return "\n".join(lines).rstrip("\n") + "\n"
