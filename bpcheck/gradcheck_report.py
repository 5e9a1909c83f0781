"""gradcheck's result values and their renderings (text, JSON-ready dict, Markdown, HTML).

The Markdown is a section for bpcheck's proof reports; write_reports() wraps it (and the same
content as one self-contained HTML page) into `gradcheck-<name>.md` / `.html`. Everything is
rendered from the report alone with fixed number formats, so equal reports give equal bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence


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
        from bpcheck.gradcheck_html import report_to_html

        return report_to_html(self, title, facts)

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
        "symbolic_loss": r.symbolic_loss,
        "rtol": r.rtol, "atol": r.atol, "notes": list(r.notes),
        "params": [{"name": p.name, "shape": list(p.shape), "passed": p.passed,
                    "max_abs_err": _num(p.max_abs_err), "max_rel_err": _num(p.max_rel_err),
                    "suspected_cause": p.suspected_cause, "finite_differences": cmp(p.finite_diff),
                    "reference": cmp(p.reference), "symbolic": cmp(p.symbolic)} for p in r.params],
    }


def _summary(r: GradcheckReport) -> str:
    n = len(r.params)
    if r.passed:
        return f"PASS: all {n} parameter gradients agree"
    return f"FAIL: {len(r.failed)} of {n} parameter gradients wrong ({', '.join(r.failed)})"


AGAINST = ("finite differences", "reference", "symbolic")


def compared_with(r: GradcheckReport) -> tuple[str, ...]:
    """The sources of truth used for at least one parameter, in a fixed order."""
    used = {c.against for p in r.params for c in p.comparisons}
    return tuple(a for a in AGAINST if a in used)


def cell(p: ParamResult, against: str) -> str:
    """"pass", "FAIL" or "" (not compared) for one parameter and one source of truth."""
    c = next((c for c in p.comparisons if c.against == against), None)
    return "" if c is None else "pass" if c.passed else "FAIL"


def losses(r: GradcheckReport) -> str:
    extra = [f"{k} loss {v:.6g}" for k, v in (("reference", r.reference_loss),
                                              ("symbolic", r.symbolic_loss)) if v is not None]
    return ", ".join([f"loss {r.loss:.6g}"] + extra)


def report_to_text(r: GradcheckReport) -> str:
    lines = [_summary(r), f"{losses(r)}; rtol {r.rtol:g}, atol {r.atol:g}",
             f"compared with {', '.join(compared_with(r))}"]
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


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
            .replace("_", "\\_").replace("<", "&lt;").replace("\n", " "))


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) or "scalar"


def report_to_markdown(r: GradcheckReport) -> str:
    kinds = compared_with(r)
    rows = ["| parameter | shape | result | " + " | ".join(f"vs {k}" for k in kinds)
            + " | max abs err | max rel err | suspected cause |",
            "|---|---|---|" + "---|" * len(kinds) + "---|---|---|"]
    for p in r.params:
        verdict = "pass" if p.passed else "**FAIL**"
        marks = " | ".join(m if m != "FAIL" else "**FAIL**" for m in (cell(p, k) for k in kinds))
        rows.append(f"| `{p.name}` | {shape_text(p.shape)} | {verdict} | {marks} | {p.max_abs_err:.2e} "
                    f"| {p.max_rel_err:.2e} | {_md(p.suspected_cause or '')} |")
    head = [f"**{_summary(r)}** (rtol {r.rtol:g}, atol {r.atol:g})", "",
            f"{losses(r).capitalize()}; compared with {', '.join(kinds)}.", ""]
    details = []
    for p in r.params:
        if p.passed or not p.worst:
            continue
        details += ["", f"Worst entries of `{p.name}` (expected: {p.worst_against}):", "",
                    "| entry | yours | expected | abs err | rel err |", "|---|---|---|---|---|"]
        details += [f"| `{p.name}{list(e.index)}` | {e.user:.6g} | {e.expected:.6g} | {e.abs_err:.2e} "
                    f"| {e.rel_err:.2e} |" for e in p.worst]
    notes = [f"- {_md(n)}" for n in r.notes]
    return "\n".join(head + rows + details + ([""] + notes if notes else []))


def markdown_document(r: GradcheckReport, title: str, facts: Sequence[tuple[str, str]] = ()) -> str:
    """A whole Markdown file: a title, facts such as ("target", "net.py:Net"), the section."""
    from bpcheck import __version__

    lines = [f"# {_md(title)}", ""] + [f"- {_md(k)}: `{v}`" for k, v in facts]
    lines += ([""] if facts else []) + [report_to_markdown(r), "",
                                        f"Generated by bpcheck {__version__} (`bpcheck gradcheck`)."]
    return "\n".join(lines) + "\n"


def write_reports(r: GradcheckReport, formats: Sequence[str], out: Path, name: str, title: str,
                  facts: Sequence[tuple[str, str]] = ()) -> list[Path]:
    """Write out/gradcheck-<name>.md and/or .html; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in dict.fromkeys(formats):  # each format once, in the order asked
        text = markdown_document(r, title, facts) if fmt == "md" else r.to_html(title, facts)
        path = out / f"gradcheck-{name}.{fmt}"
        path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation on any platform
        written.append(path)
    return written
