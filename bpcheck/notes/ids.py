"""Local ids of a note's claims (`file#L<line>`, `-<n>` per statement, `c<k>` for the k-th
display on one line, `cell<N>-L<k>` in notebooks);
`catalog.files.first_of_each_id` keeps them unique."""
from __future__ import annotations

import re

from .scan import Display


def local_id(d: Display, pos: int = 0) -> str:
    base = f"cell{d.page.cell}-L{d.where(pos).split()[-1]}" if d.page.cell else f"L{d.line(pos)}"
    text = d.page.text
    before = text[text.rfind("\n", 0, d.offset) + 1:d.offset]
    shared = len(re.findall(r"(?<!\\)\$\$", before)) // 2  # displays before it on its line
    return f"{base}c{shared + 1}" if shared else base
