"""GitHub Actions workflow commands that point at the claim's own line."""
from __future__ import annotations

import os
import sys
from typing import Sequence, TextIO

from ..catalog.files import LoadError
from ..model import Claim, Verdict, failure_line


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(pairs: Sequence[tuple[Claim, Verdict]],
                     errors: Sequence[LoadError] = ()) -> list[str]:
    lines = [f"::error file={_prop(e.file)},line={e.line},title=bpcheck input error::"
             f"{_escape(e.message)}" for e in errors]
    for claim, v in pairs:
        if v.ok:
            continue
        msg = f"{claim.id} ({claim.source}): {v.kind.value}, expected {claim.expect.value}: {v.reason}"
        cx = v.counterexample
        if cx is not None and cx.entry:
            msg += f"; counterexample at entry {cx.entry} (seed {cx.seed})"
        lines.append(f"::error file={_prop(claim.file)},line={failure_line(claim, v)},"
                     f"title={_prop('bpcheck ' + claim.id)}::{_escape(msg)}")
    return lines


def github_annotations(pairs: Sequence[tuple[Claim, Verdict]], errors: Sequence[LoadError] = (),
                       stream: TextIO | None = None) -> None:
    """Print annotations when running under GitHub Actions (GITHUB_ACTIONS=true)."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    out = stream or sys.stdout
    for line in annotation_lines(pairs, errors):
        print(line, file=out)
