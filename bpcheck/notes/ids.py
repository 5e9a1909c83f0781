"""Local ids of a note's claims (`file#L<line>`, `-<n>` per statement, `c<k>` for the k-th
display on one line, `cell<N>-L<k>` in notebooks) and the check that they are unique."""
from __future__ import annotations

import re

from ..catalog.files import LoadError
from ..model import Claim
from .scan import Display


def local_id(d: Display, pos: int = 0) -> str:
    base = f"cell{d.page.cell}-L{d.where(pos).split()[-1]}" if d.page.cell else f"L{d.line(pos)}"
    text = d.page.text
    before = text[text.rfind("\n", 0, d.offset) + 1:d.offset]
    shared = len(re.findall(r"(?<!\\)\$\$", before)) // 2  # displays before it on its line
    return f"{base}c{shared + 1}" if shared else base


def drop_duplicate_ids(claims: list[Claim], errors: list[LoadError]) -> None:
    """Keep the first claim of each id; a later one is an error at its line."""
    seen: dict[str, Claim] = {}
    for c in claims:
        if c.id in seen:
            errors.append(LoadError(c.file, c.line, f"duplicate claim id {c.id!r} (first at "
                                    f"line {seen[c.id].line})"))
        seen.setdefault(c.id, c)
    claims[:] = list(seen.values())
