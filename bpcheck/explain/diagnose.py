"""Say what is wrong with a refuted formula: the correction that makes it true.

The first broken link's right side is edited in the ways course formulas go wrong
(`edits.py`, `slips.py`, a constant factor fitted from the numbers in `factor.py`).
Each candidate is screened numerically against the link's left side (cheap), and a
candidate that passes is then decided in full: only a VERIFIED candidate is reported,
with its corrected form, tidied (`tidy.py`) when the tidy form verifies too.  One edit
is tried first, then two, then three; when no small edit works, the first-principles
result in the claim's own vocabulary (`rewrite.py`), labelled as a rewrite; when
nothing verifies, the answer is an honest "no simple repair found", never a guess.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from ..catalog.files import setting_names
from .edits import Edit, edits
from .factor import factor_edits
from .rewrite import rewrites
from .slips import slips
from .tidy import tidy
from ..catalog.formula import FormulaError, bound_indices, check_tree, node_key, parse, walk
from ..decide.claim import verify_claim
from ..decide.kinked import kinked_trees
from ..decide.outcome import TreeScreen, tree_ratio
from ..model import Claim, Expect, Kind, Options, Verdict

MAX_SCREENED = 600  # one and two edits
MAX_THIRD = 400  # three edits
# a first edit that leaves the indices outside the network (z^(l) indexed by a j of
# layer l−1) is pursued when it is one of two that must come together
STRUCTURAL = {"layer", "index", "index-swap", "bound", "index-drop"}


@dataclass(frozen=True)
class Diagnosis:
    found: bool
    what: tuple[str, ...] = ()  # one sentence per edit
    kinds: tuple[str, ...] = ()
    corrected: str = ""  # the corrected right side of the broken link
    tried: int = 0

    @property
    def rewrite(self) -> bool:
        return self.kinds == ("rewrite",)

    @property
    def message(self) -> str:
        if self.found and self.rewrite:
            return "rewrite: " + self.what[0]
        if self.found:
            return "likely error: " + "; and ".join(self.what)
        if self.what:
            return self.what[0]
        return f"no simple repair found ({self.tried} edits, up to three, and rewrites tried)"


def diagnose(claim: Claim, verdict: Verdict, options: Options) -> Diagnosis:
    if verdict.kind is not Kind.REFUTED or verdict.first_broken is None:
        return Diagnosis(False)
    if claim.strategy:  # the screen works at concrete sizes only
        return Diagnosis(False, what=("no repair search for a claim with symbolic sizes",))
    link = verdict.links[verdict.first_broken]
    left, wrong = claim.sides[link.left], claim.sides[link.right]
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    search = _Search(claim, left, wrong, options, names)
    found = search.run()
    if found is None:
        return Diagnosis(False, tried=search.tried)
    return Diagnosis(True, tuple(e.error or e.what for e in found), tuple(e.kind for e in found),
                     search.tidied(found[-1]), search.tried)


def _recorded(paths: Iterator[tuple[Edit, ...]],
              record: list[tuple[Edit, ...]]) -> Iterator[tuple[Edit, ...]]:
    for path in paths:
        record.append(path)
        yield path


def _show_text(tree: ast.Expression) -> str:
    return ast.unparse(tree.body).replace(" % ", " ⊙ ")


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
        self.known = names | bound_indices(wrong_tree)  # the names a candidate may use
        # edits add or drop only fprime and transpose calls, never a kinked one (ReLU,
        # max, |·|): every candidate is kinked exactly when the refuted formula is
        self.kinked = kinked_trees(claim.setting, [self.left_tree, wrong_tree])
        self.quick = replace(options, points=8, reference=False, diagnose=False, shrink=False)
        self.screen = TreeScreen(claim, self.left_tree, self.quick, self.kinked)
        self.outcomes: dict[int, str] = {}  # by the candidate tree's structure
        self.tried = 0
        self.seen = {node_key(wrong_tree)}
        self.batch = int(claim.setting.get("batch", 0) or 0)
        self.sizes = {"N": self.batch} if self.batch > 1 else {}

    def candidates(self, tree: ast.Expression, ratio: bool = True,
                   factor_first: bool = False) -> Iterator[Edit]:
        """Every single edit of `tree` that is a formula of the setting, new to the search;
        a fitted constant factor first (the formula's own constant corrected says more
        than a factor 2 in front) or, deeper in the search, last (fitting costs a look)."""
        fitted = self._fitted(tree) if ratio and factor_first else None
        made = [factor_edits(tree, fitted, self.sizes)] if fitted is not None else []
        made += [edits(tree, self.batch), slips(tree)]
        if ratio and not factor_first:
            made.append(self._factors(tree))
        elif fitted is not None:
            made.append(factor_edits(tree, fitted, self.sizes, in_place=False))
        for group in made:
            for edit in group:
                if _unseen(self.seen, node_key(edit.tree)) and self.valid(edit):
                    yield edit

    def _fitted(self, tree: ast.Expression) -> float | None:
        return tree_ratio(self.claim, [self.left_tree, tree], self.quick, self.kinked)

    def _factors(self, tree: ast.Expression) -> Iterator[Edit]:
        fitted = self._fitted(tree)
        if fitted is not None:
            yield from factor_edits(tree, fitted, self.sizes)
            yield from factor_edits(tree, fitted, self.sizes, in_place=False)

    def run(self) -> tuple[Edit, ...] | None:
        singles = list(self.candidates(self.wrong_tree, factor_first=True))
        found = self.first_repair(((e,) for e in singles), MAX_SCREENED)
        pairs: list[tuple[Edit, ...]] = []
        if found is None:
            # a second edit only after a first that leaves the formula comparable (or,
            # for two index or layer edits that belong together, not yet in range)
            pairs_iter = ((first, second) for first in singles if self._pursue(first)
                          for second in self.candidates(first.tree, self._differs(first)))
            found = self.first_repair(_recorded(pairs_iter, pairs), MAX_SCREENED)
        if found is None:
            triples = ((*pair, third) for pair in pairs if self._differs(pair[-1])
                       for third in self.candidates(pair[-1].tree, False))
            found = self.first_repair(triples, self.tried + MAX_THIRD)
        if found is None:
            loss = str(self.claim.setting.get("loss_symbol", "") or "J")
            whole = (e for e in rewrites(self.left_tree, self.wrong_tree, loss)
                     if _unseen(self.seen, node_key(e.tree)) and self.valid(e))
            found = self.first_repair(((e,) for e in whole), self.tried + 100)
        return found

    def _differs(self, edit: Edit) -> bool:
        return self.outcomes.get(node_key(edit.tree)) == "differ"

    def _pursue(self, edit: Edit) -> bool:
        outcome = self.outcomes.get(node_key(edit.tree))
        return outcome == "differ" or (outcome in ("invalid", "shape")
                                       and edit.kind in STRUCTURAL)

    def tidied(self, edit: Edit) -> str:
        """The repair written as a course would, when that form verifies too."""
        tidy_text = _show_text(tidy(edit.tree))
        if tidy_text != edit.text and self._verified(tidy_text):
            return tidy_text
        return edit.text

    def _verified(self, text: str) -> bool:
        return verify_claim(self._trial(text), replace(self.options, diagnose=False,
                                                       shrink=False)).kind is Kind.VERIFIED

    def valid(self, edit: Edit) -> bool:
        """Is the candidate a formula of the setting (what `parse` would accept)?
        Only its new nodes are checked: the sub-trees it shares with the refuted
        formula, or with a checked candidate, were checked already (edits never drop
        the sum that binds an index)."""
        fresh = self._fresh(edit.tree)
        try:
            check_tree(fresh, self.known)
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

    def first_repair(self, paths: Iterable[tuple[Edit, ...]],
                     limit: int) -> tuple[Edit, ...] | None:
        for path in paths:
            if self.tried >= limit:
                return None
            self.tried += 1
            outcome = self.screen.outcome(path[-1].tree)
            self.outcomes[node_key(path[-1].tree)] = outcome
            if outcome == "equal" and self._verified(path[-1].text):
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
