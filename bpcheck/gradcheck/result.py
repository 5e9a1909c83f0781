"""gradcheck's result values.  Each renders itself (text, JSON-ready dict, Markdown, HTML)
through `render` and `html`, which read the values' fields and never import this module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from .html import report_to_html
from .render import report_to_dict, report_to_markdown, report_to_text


@dataclass(frozen=True)
class Entry:
    """One gradient entry: the user's value and the expected one (at the same index)."""

    index: tuple[int, ...]
    user: float
    expected: float
    abs_err: float
    rel_err: float


@dataclass(frozen=True)
class Comparison:
    """The user's gradient for one parameter against one source of truth.

    An entry passes when |user - expected| <= atol + rtol * max(|user|, |expected|).
    max_rel_err ignores entries where both values are below atol. Both errors are inf when the
    gradient has the transposed shape, since entries cannot then be paired.
    """

    against: str  # "finite differences", "reference" or "symbolic"
    max_abs_err: float
    max_rel_err: float
    passed: bool
    worst: tuple[Entry, ...]  # up to 3 entries, largest absolute error first


@dataclass(frozen=True)
class ParamResult:
    """One parameter: passed only if every comparison passed; suspected_cause when recognised.
    reference and symbolic are None when that comparison was not made."""

    name: str
    shape: tuple[int, ...]
    finite_diff: Comparison
    reference: Comparison | None
    suspected_cause: str | None
    symbolic: Comparison | None = None

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return tuple(c for c in (self.finite_diff, self.reference, self.symbolic) if c is not None)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons)

    def _worst(self) -> Comparison:
        """The first failing comparison (finite differences of the user's own loss first, then
        the reference, then symbolic); when all pass, the one with the largest error."""
        failing = [c for c in self.comparisons if not c.passed]
        return failing[0] if failing else max(self.comparisons, key=lambda c: c.max_abs_err)

    @property
    def max_abs_err(self) -> float:
        return max(c.max_abs_err for c in self.comparisons)

    @property
    def max_rel_err(self) -> float:
        return max(c.max_rel_err for c in self.comparisons)

    @property
    def worst(self) -> tuple[Entry, ...]:
        """The worst entries of the first failing (else the larger-error) comparison."""
        return self._worst().worst

    @property
    def worst_against(self) -> str:
        """What the entries in worst were compared with ("finite differences", ...)."""
        return self._worst().against


@dataclass(frozen=True)
class GradcheckReport:
    """The whole check. loss is the user's loss at the checked parameters; reference_loss and
    symbolic_loss are the declared network's, from the NumPy reference and bpcheck's symbolic J."""

    params: tuple[ParamResult, ...]
    loss: float
    reference_loss: float | None
    notes: tuple[str, ...]
    rtol: float
    atol: float
    symbolic_loss: float | None = None

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.params)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if not p.passed)

    def __getitem__(self, name: str) -> ParamResult:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite numbers become None)."""
        return report_to_dict(self)

    def format_text(self) -> str:
        return report_to_text(self)

    def to_markdown(self) -> str:
        """A section for bpcheck's proof reports."""
        return report_to_markdown(self)

    def to_html(self, title: str = "gradcheck", facts: Sequence[tuple[str, str]] = ()) -> str:
        """One self-contained HTML page (inline CSS, no script, XML-parseable); facts are
        (label, value) lines shown under the title, such as ("target", "net.py:Net")."""
        return report_to_html(self, title, facts)

    __str__ = format_text
