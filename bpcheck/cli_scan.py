"""`bpcheck scan PATH...`: every display formula in notes, and how each of its statements is
read: a claim (with its translation), a definition, an update, skipped (why), or not
understood (the construct).

Exit codes: 0 every annotated formula parses, 1 some annotated formula (or
annotation) has a problem, 2 usage errors.  `--candidates` lists only the
unannotated formulas that look like derivative claims (∂, ∇, f′, δ).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

from .notes.claims import Found
from .notes.readmany import read_many
from .notes.scan import discover_notes
from .notes.wholefile import CLAIM, DEFINITION, NOT_UNDERSTOOD, SKIPPED, UPDATE

_CLASSES = (CLAIM, DEFINITION, UPDATE, SKIPPED, NOT_UNDERSTOOD)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bpcheck scan",
                                description="List the display formulas in Markdown notes and "
                                            "notebooks, and how bpcheck reads each statement.")
    p.add_argument("paths", nargs="+", help=".md/.ipynb/.tex files or folders")
    p.add_argument("--candidates", action="store_true",
                   help="only unannotated formulas that look like derivative claims")
    p.add_argument("-v", "--verbose", action="store_true", help="show the formula text read")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def scan_main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"bpcheck: error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    from .run.sources import references
    refs = references(args.paths)
    found, errors, files = [], [], discover_notes(args.paths)
    for nf in read_many(files, refs):
        found.extend(nf.found)
        errors.extend(nf.errors)
    shown = [f for f in found if f.candidate] if args.candidates else found
    if args.format == "json":
        print(json.dumps({"formulas": [dataclasses.asdict(f) for f in shown],
                          "errors": [e.__dict__ for e in errors]}, indent=2, ensure_ascii=False))
    else:
        for f in shown:
            print(_line(f, args.verbose))
        for e in errors:
            if not any(e.line == f.line and e.file == f.file for f in found):
                print(str(e), file=sys.stderr)
        print(_summary(found, files, args.candidates))
    return 1 if errors else 0


def _line(f: Found, verbose: bool) -> str:
    where = f" ({f.where})" if f.where else ""
    status = "skipped" if f.skipped else "FAILS" if f.error else "parses"  # a skip is asked for
    label = ("skip" if f.skipped else ", ".join(f.claims) or "annotated") if f.annotated \
        else "candidate" if f.candidate else ", ".join(f.claims) or "-"
    tex = " ".join(f.latex.split())
    text = f"{f.file}:{f.line}{where}: {status:7}  {label:28}  {tex[:90]}"
    if f.error:
        text += f"\n    {f.error}"
    elif verbose and f.translation:
        text += "".join(f"\n    {t}" for t in f.translation)
    for r in f.readings:  # how each statement was read, at its own line
        what = f"{r.kind} {r.claim}: {r.translation}" if r.claim else \
            f"{r.kind}: {r.reason}" if r.reason else r.kind
        text += f"\n    - {f.file}:{r.line}: {what}"
    return text


def _summary(found: list[Found], files: list[Path], candidates: bool) -> str:
    annotated = sum(f.annotated and not f.skipped for f in found)
    failing = sum(bool(f.error) and not f.skipped for f in found)
    skipped = sum(bool(f.skipped) for f in found)
    cands = sum(f.candidate for f in found)
    kinds = Counter(r.kind for f in found for r in f.readings)
    statements = ", ".join(f"{kinds[k]} {k}" for k in _CLASSES if kinds[k])
    return (f"{len(found)} display formulas in {len(files)} files: {annotated} annotated, "
            f"{len(found) - failing - skipped} parse, {failing} do not"
            + (f", {skipped} skipped" if skipped else "") + f", {cands} unannotated candidates"
            + (f"; statements: {statements}" if statements else ""))
