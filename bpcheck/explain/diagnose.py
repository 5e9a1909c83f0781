"""Say what is wrong with a refuted formula: the edit that makes it true.

The first broken link's right side is edited in the ways course formulas go
wrong (`edits.py`).  Each candidate is screened numerically against the link's
left side (cheap), and a candidate that passes is then decided in full: only a
VERIFIED candidate is reported as the likely error, with its corrected form.
One edit is tried first, then two; when nothing verifies, the answer is an
honest "no simple repair found", never a guess.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Iterator

from ..catalog.files import setting_names
from .edits import Edit, edits
from ..catalog.formula import FormulaError, bound_indices, check_tree, node_key, parse, walk
from ..decide.claim import verify_claim
from ..decide.kinked import kinked_trees
from ..decide.outcome import tree_outcome
from ..model import Claim, Expect, Kind, Options, Verdict

MAX_SCREENED = 600


@dataclass(frozen=True)
class Diagnosis:
    found: bool
    what: tuple[str, ...] = ()  # one sentence per edit
    kinds: tuple[str, ...] = ()
    corrected: str = ""  # the corrected right side of the broken link
    tried: int = 0

    @property
    def message(self) -> str:
        if self.found:
            return "likely error: " + "; and ".join(self.what)
        return f"no simple repair found ({self.tried} one- and two-edit variants tried)"


def diagnose(claim: Claim, verdict: Verdict, options: Options) -> Diagnosis:
    if verdict.kind is not Kind.REFUTED or verdict.first_broken is None or claim.strategy:
        return Diagnosis(False)
    link = verdict.links[verdict.first_broken]
    left, wrong = claim.sides[link.left], claim.sides[link.right]
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    search = _Search(claim, left, wrong, options, names)
    batch = int(claim.setting.get("batch", 0) or 0)
    # edits of the parsed tree share its (checked) nodes; the tree itself is never changed
    singles = [e for e in edits(search.wrong_tree, batch) if search.valid(e)]
    found = search.first_repair((e,) for e in singles)
    if found is None:
        # a second edit only after a first that leaves the formula well-formed: of two
        # mistakes, one can always be undone first without breaking the shapes
        seen = {node_key(e.tree) for e in singles} | {node_key(search.wrong_tree)}
        pairs = ((first, second) for first in singles
                 if search.outcomes.get(node_key(first.tree)) == "differ"
                 for second in edits(first.tree, batch)
                 if _unseen(seen, node_key(second.tree)) and search.valid(second))
        found = search.first_repair(pairs)
    if found is None:
        return Diagnosis(False, tried=search.tried)
    return Diagnosis(True, tuple(e.error or e.what for e in found), tuple(e.kind for e in found),
                     found[-1].text, search.tried)


def _unseen(seen: set[int], key: int) -> bool:
    if key in seen:
        return False
    seen.add(key)
    return True


class _Search:
    """Screens candidate repairs numerically (as trees: most are never written out);
    a candidate that passes is decided in full."""

    def __init__(self, claim: Claim, left: str, wrong: str, options: Options,
                 names: set[str]) -> None:
        self.claim, self.left, self.options, self.names = claim, left, options, names
        self.left_tree = parse(left, names).tree
        self.wrong_tree = wrong_tree = parse(wrong, names).tree
        self.checked = {id(n): n for n in walk(wrong_tree)}  # parse checked these
        self.bound = bound_indices(wrong_tree)
        # edits add or drop only fprime and transpose calls, never a kinked one (ReLU,
        # max, |·|): every candidate is kinked exactly when the refuted formula is
        self.kinked = kinked_trees(claim.setting, [self.left_tree, wrong_tree])
        self.quick = replace(options, points=8, reference=False, diagnose=False, shrink=False)
        self.outcomes: dict[int, str] = {}  # by the candidate tree's structure
        self.tried = 0

    def valid(self, edit: Edit) -> bool:
        """Is the candidate a formula of the setting (what `parse` would accept)?
        Only its new nodes are checked: the sub-trees it shares with the refuted
        formula, or with a checked candidate, were checked already (edits never drop
        the sum that binds an index)."""
        fresh = self._fresh(edit.tree)
        try:
            check_tree(fresh, self.names | self.bound)
        except FormulaError:
            return False
        self.checked.update((id(n), n) for n in fresh)  # the nodes are kept: ids stay unique
        return True

    def _fresh(self, tree: ast.AST) -> list[ast.AST]:
        out, todo = [], [tree]
        while todo:
            node = todo.pop()
            if id(node) in self.checked:
                continue
            out.append(node)
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    todo.append(value)
                elif isinstance(value, list):
                    todo.extend(v for v in value if isinstance(v, ast.AST))
        return out

    def first_repair(self, paths: Iterator[tuple[Edit, ...]]) -> tuple[Edit, ...] | None:
        for path in paths:
            if self.tried >= MAX_SCREENED:
                return None
            self.tried += 1
            outcome = tree_outcome(self.claim, [self.left_tree, path[-1].tree], self.quick,
                                   self.kinked)
            self.outcomes[node_key(path[-1].tree)] = outcome
            if outcome == "equal" and verify_claim(
                    self._trial(path[-1].text),
                    replace(self.options, diagnose=False, shrink=False)).kind is Kind.VERIFIED:
                return path
        return None

    def _trial(self, text: str) -> Claim:
        return replace(self.claim, id=f"{self.claim.id}~repair", side_lines=(), corrects="",
                       sides=(self.left, text), expect=Expect.HOLDS)


def apply(verdict: Verdict, diagnosis: Diagnosis) -> Verdict:
    extra = dict(verdict.extra)
    if diagnosis.found:
        extra["diagnosis_edits"] = list(diagnosis.kinds)
    return replace(verdict, diagnosis=diagnosis.message, corrected=diagnosis.corrected,
                   extra=tuple(extra.items()))


__all__ = ["Diagnosis", "diagnose", "apply"]
