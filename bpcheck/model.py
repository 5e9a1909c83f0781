"""Values that flow between bpcheck's stages: a `Claim` in, a `Verdict` out.

Nothing here imports SymPy or NumPy: loading a catalog, reading the cache and
printing results must stay cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
import re
from typing import Any

_LATEX_LOSS = re.compile(r"\\(mathcal|mathscr)\s*\{?\s*([A-Za-z])\s*\}?|\\ell")


def loss_identifier(written: str) -> str:
    """The loss's name in formula text for a `loss_symbol` as a note writes it: a name as
    it is (J, C, E); a LaTeX spelling as a name of its own (\\mathcal{L} -> calL,
    \\mathscr{L} -> scrL, \\ell -> ell), never the letter alone, which is free for other
    uses (L is the depth, J may be the cost)."""
    m = _LATEX_LOSS.fullmatch(written.strip())
    if m is None:
        return written
    return "ell" if m.group(1) is None else m.group(1)[4:] + m.group(2)


class Kind(str, Enum):
    VERIFIED = "VERIFIED"
    REFUTED = "REFUTED"
    INCONCLUSIVE = "INCONCLUSIVE"
    ERROR = "ERROR"


class Expect(str, Enum):
    HOLDS = "holds"
    ERRATUM = "erratum"


@dataclass(frozen=True)
class Setting:
    """The world a claim lives in: a named kind plus its parameters (plain data)."""

    name: str
    kind: str  # "scalar" or "network"
    params: tuple[tuple[str, Any], ...]

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def loss_name(self) -> str:
        """A network's loss as formula text names it (see `loss_identifier`)."""
        return loss_identifier(str(self.get("loss_symbol", "J")))


@dataclass(frozen=True)
class Claim:
    """One formula as a source writes it, with the quantity it claims to equal.

    `sides[0]` is the quantity taken from first principles; each later side is
    one member of the source's chain `A = B = C`.  Every `=` is its own link.
    """

    id: str
    title: str
    file: str
    line: int
    source: str
    setting: Setting
    sides: tuple[str, ...]
    expect: Expect = Expect.HOLDS
    where: tuple[tuple[str, str], ...] = ()  # index bindings, e.g. (("l", "1..L-1"),)
    when: str = ""  # a condition on the bindings, e.g. "i != j"
    corrects: str = ""  # id of the erratum this claim corrects
    note: str = ""
    scope: str = ""  # what the proof covers, stated by the catalog
    strategy: str = ""  # "", "indexed" (symbolic sizes), "regions"
    side_lines: tuple[int, ...] = ()
    role: str = ""  # "definition": a note's own definition of a quantity of its setting
    notation: tuple[tuple[str, str], ...] = ()  # a note's way of writing (typeset.style)

    @property
    def links(self) -> list[tuple[int, int]]:
        return [(k, k + 1) for k in range(len(self.sides) - 1)]

    def digest_payload(self) -> dict[str, Any]:
        """Everything that decides the verdict: the cache key is built from this."""
        return {
            "id": self.id,
            "setting": [self.setting.kind, [list(p) for p in self.setting.params]],
            "sides": list(self.sides),
            "where": [list(w) for w in self.where],
            "when": self.when,
            "strategy": self.strategy,
            "expect": self.expect.value,
        }


@dataclass(frozen=True)
class Step:
    """One line of the symbolic argument, kept for the reports."""

    label: str
    text: str
    latex: str = ""


@dataclass(frozen=True)
class Counterexample:
    inputs: tuple[tuple[str, float], ...]
    lhs: tuple[float, ...]
    rhs: tuple[float, ...]
    entry: str = ""  # which entry differs most, e.g. "[2, 1]"
    abs_err: float = 0.0
    rel_err: float = 0.0
    seed: int = 0
    shape: str = ""


@dataclass(frozen=True)
class LinkResult:
    """The check of one `=` in a chain (or of the single `quantity = formula`)."""

    left: int
    right: int
    kind: Kind
    reason: str = ""
    steps: tuple[Step, ...] = ()
    counterexample: Counterexample | None = None
    numeric: tuple[tuple[str, Any], ...] = ()  # evidence: points, seed, max errors
    case: str = ""  # the index binding / case under which a failure was seen


@dataclass(frozen=True)
class Verdict:
    claim_id: str
    kind: Kind
    ok: bool
    reason: str
    links: tuple[LinkResult, ...] = ()
    first_broken: int | None = None  # index into links
    ends_agree: bool | None = None
    seconds: float = 0.0
    scope: str = ""
    diagnosis: str = ""
    corrected: str = ""
    extra: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def counterexample(self) -> Counterexample | None:
        for link in self.links:
            if link.counterexample is not None:
                return link.counterexample
        return None


def failure_line(claim: Claim, verdict: Verdict) -> int:
    """The line to point at: the first broken link's right side where the source
    records one line per member (a multi-line chain in notes); in a catalog, the line
    of the claim's `formula =` (or `chain =`); else the claim's line."""
    right = verdict.links[verdict.first_broken].right \
        if verdict.first_broken is not None and verdict.links else 1
    if claim.file.endswith((".md", ".ipynb")):
        if verdict.first_broken is not None and right < len(claim.side_lines) and \
                len(set(claim.side_lines)) > 1:
            return claim.side_lines[right]
    elif claim.file.endswith(".toml") and len(claim.side_lines) > 1:
        return claim.side_lines[min(right, len(claim.side_lines) - 1)]
    return claim.line


def expected_ok(kind: Kind, expect: Expect) -> bool:
    """A known erratum meets its expectation only when it is REFUTED."""
    if expect is Expect.ERRATUM:
        return kind is Kind.REFUTED
    return kind is Kind.VERIFIED


@dataclass(frozen=True)
class Options:
    """How claims are decided; part of the cache key."""

    timeout: float = 60.0
    seed: int = 0
    points: int = 24
    rtol: float = 1e-7
    atol: float = 1e-9
    reference: bool = True
    diagnose: bool = True  # search the edits that repair a refuted formula
    shrink: bool = True  # find the smallest widths that still refute a network claim
