"""A gradcheck report as text, as a JSON-ready dict and as Markdown; its report files.

The Markdown is a section for bpcheck's proof reports; write_reports() wraps it (and the same
content as one self-contained HTML page) into `gradcheck-<name>.md` / `.html`. Everything is
rendered from the report alone with fixed number formats, so equal reports give equal bytes.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

# A GradcheckReport / ParamResult (gradcheck.result): not imported, since each renders itself
# through this module.
Report = Any
Param = Any


def _num(v: float | None) -> float | None:
    return v if v is None or math.isfinite(v) else None


def report_to_dict(r: Report) -> dict[str, Any]:
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


def _summary(r: Report) -> str:
    n = len(r.params)
    if r.passed:
        return f"PASS: all {n} parameter gradients agree"
    return f"FAIL: {len(r.failed)} of {n} parameter gradients wrong ({', '.join(r.failed)})"


AGAINST = ("finite differences", "reference", "symbolic")


def compared_with(r: Report) -> tuple[str, ...]:
    """The sources of truth used for at least one parameter, in a fixed order."""
    used = {c.against for p in r.params for c in p.comparisons}
    return tuple(a for a in AGAINST if a in used)


def cell(p: Param, against: str) -> str:
    """"pass", "FAIL" or "" (not compared) for one parameter and one source of truth."""
    c = next((c for c in p.comparisons if c.against == against), None)
    return "" if c is None else "pass" if c.passed else "FAIL"


def losses(r: Report) -> str:
    extra = [f"{k} loss {v:.6g}" for k, v in (("reference", r.reference_loss),
                                              ("symbolic", r.symbolic_loss)) if v is not None]
    return ", ".join([f"loss {r.loss:.6g}"] + extra)


def report_to_text(r: Report) -> str:
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


def report_to_markdown(r: Report) -> str:
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


def markdown_document(r: Report, title: str, facts: Sequence[tuple[str, str]] = ()) -> str:
    """A whole Markdown file: a title, facts such as ("target", "net.py:Net"), the section."""
    from ..version import __version__

    lines = [f"# {_md(title)}", ""] + [f"- {_md(k)}: `{v}`" for k, v in facts]
    lines += ([""] if facts else []) + [report_to_markdown(r), "",
                                        f"Generated by bpcheck {__version__} (`bpcheck gradcheck`)."]
    return "\n".join(lines) + "\n"


def write_reports(r: Report, formats: Sequence[str], out: Path, name: str, title: str,
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
