"""Proof reports on disk: one Markdown and/or HTML file per catalog file, plus an index."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..catalog.files import Unchecked
from ..model import Claim, Kind, Verdict
from .blocks import catalog_blocks, group, index_blocks
from .html import render_html
from .markdown import render_md
from .plot import scalar_plot


def write_reports(pairs: list[tuple[Claim, Verdict]], summary: dict[str, Any],
                  formats: list[str], out_dir: Path, timings: bool = False,
                  unchecked: Sequence[Unchecked] = ()) -> list[Path]:
    """Write `<out>/<catalog>.md|.html` per catalog file (+ index); return the paths.
    `unchecked`: the statements of notes no claim checks, listed in their file's report."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    catalogs = group(pairs, timings, unchecked)
    written: list[Path] = []
    for cat in catalogs:
        plots = {c.id: p for c, v in cat.pairs if v.kind is Kind.REFUTED
                 and (p := scalar_plot(c, v)) is not None}
        blocks = catalog_blocks(cat, plots)
        title = f"Proof report: {cat.title}"
        if "md" in formats:
            written.append(_write(out_dir / f"{cat.name}.md", render_md(title, blocks)))
            written += [_write(out_dir / b[2], b[1].svg) for b in _walk(blocks) if b[0] == "plot"]
        if "html" in formats:
            written.append(_write(out_dir / f"{cat.name}.html", render_html(title, blocks)))
    if len(catalogs) > 1:
        blocks = index_blocks(catalogs, summary, timings)
        for fmt, render in (("md", render_md), ("html", render_html)):
            if fmt in formats:
                written.append(_write(out_dir / f"index.{fmt}", render("Proof reports", blocks)))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def _walk(blocks: list) -> list:
    return [s for b in blocks for s in (_walk(b[3]) if b[0] == "claim" else [b])]
