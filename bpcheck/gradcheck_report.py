"""gradcheck's result values and their renderings (text, JSON-ready dict, Markdown)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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

    against: str  # "finite differences" or "reference"
    max_abs_err: float
    max_rel_err: float
    passed: bool
    worst: tuple[Entry, ...]  # up to 3 entries, largest absolute error first


@dataclass(frozen=True)
class ParamResult:
    """One parameter: passed only if every comparison passed; suspected_cause when recognised."""

    name: str
    shape: tuple[int, ...]
    finite_diff: Comparison
    reference: Comparison | None
    suspected_cause: str | None

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return (self.finite_diff,) + ((self.reference,) if self.reference else ())

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons)

    def _worst(self) -> Comparison:
        return max(self.comparisons, key=lambda c: (not c.passed, c.max_abs_err))

    @property
    def max_abs_err(self) -> float:
        return max(c.max_abs_err for c in self.comparisons)

    @property
    def max_rel_err(self) -> float:
        return max(c.max_rel_err for c in self.comparisons)

    @property
    def worst(self) -> tuple[Entry, ...]:
        """The worst entries of the failing (else the larger-error) comparison."""
        return self._worst().worst


@dataclass(frozen=True)
class GradcheckReport:
    """The whole check. loss is the user's loss at the checked parameters."""

    params: tuple[ParamResult, ...]
    loss: float
    reference_loss: float | None
    notes: tuple[str, ...]
    rtol: float
    atol: float

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

    __str__ = format_text


def _num(v: float | None) -> float | None:
    return v if v is None or math.isfinite(v) else None


def report_to_dict(r: GradcheckReport) -> dict[str, Any]:
    def cmp(c):
        return None if c is None else {
            "against": c.against, "passed": c.passed, "max_abs_err": _num(c.max_abs_err),
            "max_rel_err": _num(c.max_rel_err),
            "worst": [{"index": list(e.index), "user": e.user, "expected": e.expected,
                       "abs_err": e.abs_err, "rel_err": e.rel_err} for e in c.worst]}

    return {
        "passed": r.passed, "failed": list(r.failed), "loss": r.loss, "reference_loss": r.reference_loss,
        "rtol": r.rtol, "atol": r.atol, "notes": list(r.notes),
        "params": [{"name": p.name, "shape": list(p.shape), "passed": p.passed,
                    "max_abs_err": _num(p.max_abs_err), "max_rel_err": _num(p.max_rel_err),
                    "suspected_cause": p.suspected_cause, "finite_differences": cmp(p.finite_diff),
                    "reference": cmp(p.reference)} for p in r.params],
    }


def _summary(r: GradcheckReport) -> str:
    n = len(r.params)
    if r.passed:
        return f"PASS: all {n} parameter gradients agree"
    return f"FAIL: {len(r.failed)} of {n} parameter gradients wrong ({', '.join(r.failed)})"


def report_to_text(r: GradcheckReport) -> str:
    ref = f", reference loss {r.reference_loss:.6g}" if r.reference_loss is not None else ""
    lines = [_summary(r), f"loss {r.loss:.6g}{ref}; rtol {r.rtol:g}, atol {r.atol:g}"]
    width = max((len(p.name) for p in r.params), default=0)
    for p in r.params:
        verdict = "pass" if p.passed else "FAIL"
        lines.append(f"  {verdict}  {p.name:<{width}}  {str(p.shape):<8}  max abs err {p.max_abs_err:.2e}"
                     f"  max rel err {p.max_rel_err:.2e}")
        if p.passed:
            continue
        against = ", ".join(f"vs {c.against}: {'pass' if c.passed else 'FAIL'}" for c in p.comparisons)
        lines.append(f"        {against}")
        for e in p.worst:
            lines.append(f"        {p.name}{list(e.index)}: yours {e.user:.6g}, expected {e.expected:.6g}")
        if p.suspected_cause:
            lines.append(f"        suspected cause: {p.suspected_cause}")
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


def report_to_markdown(r: GradcheckReport) -> str:
    rows = ["| parameter | shape | result | max abs err | max rel err | suspected cause |",
            "|---|---|---|---|---|---|"]
    for p in r.params:
        shape = "×".join(map(str, p.shape)) or "scalar"
        verdict = "pass" if p.passed else "**FAIL**"
        rows.append(f"| `{p.name}` | {shape} | {verdict} | {p.max_abs_err:.2e} | {p.max_rel_err:.2e} "
                    f"| {p.suspected_cause or ''} |")
    notes = [f"- {n}" for n in r.notes]
    head = [f"**{_summary(r)}** (rtol {r.rtol:g}, atol {r.atol:g})", ""]
    return "\n".join(head + rows + ([""] + notes if notes else []))
