"""Verdicts as plain JSON data (for `--format json`, the cache and worker processes)."""
from __future__ import annotations

import math
from typing import Any

from ..model import Claim, Counterexample, Kind, LinkResult, Step, Verdict

SCHEMA_VERSION = 1


def _num(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def counterexample_dict(cx: Counterexample) -> dict[str, Any]:
    return {
        "inputs": {name: _num(v) for name, v in cx.inputs},
        "lhs": [_num(v) for v in cx.lhs], "rhs": [_num(v) for v in cx.rhs],
        "entry": cx.entry, "abs_err": _num(cx.abs_err), "rel_err": _num(cx.rel_err),
        "seed": cx.seed, "shape": cx.shape,
    }


def counterexample_from(d: dict[str, Any]) -> Counterexample:
    return Counterexample(
        inputs=tuple((k, float(v)) for k, v in d["inputs"].items()),
        lhs=tuple(float(v) for v in d["lhs"]), rhs=tuple(float(v) for v in d["rhs"]),
        entry=d.get("entry", ""), abs_err=float(d.get("abs_err", 0)),
        rel_err=float(d.get("rel_err", 0)), seed=int(d.get("seed", 0)), shape=d.get("shape", ""))


def link_dict(link: LinkResult) -> dict[str, Any]:
    return {
        "left": link.left, "right": link.right, "verdict": link.kind.value, "reason": link.reason,
        "case": link.case,
        "steps": [{"label": s.label, "text": s.text, "latex": s.latex} for s in link.steps],
        "numeric": {k: (_num(v) if isinstance(v, float) else v) for k, v in link.numeric},
        "counterexample": counterexample_dict(link.counterexample) if link.counterexample else None,
    }


def link_from(d: dict[str, Any]) -> LinkResult:
    return LinkResult(
        left=d["left"], right=d["right"], kind=Kind(d["verdict"]), reason=d["reason"],
        steps=tuple(Step(s["label"], s["text"], s.get("latex", "")) for s in d["steps"]),
        counterexample=counterexample_from(d["counterexample"]) if d["counterexample"] else None,
        numeric=tuple(d["numeric"].items()),
        case=d.get("case", ""))


def verdict_dict(v: Verdict) -> dict[str, Any]:
    return {
        "verdict": v.kind.value, "ok": v.ok, "reason": v.reason, "seconds": v.seconds,
        "scope": v.scope, "first_broken_link": v.first_broken, "ends_agree": v.ends_agree,
        "diagnosis": v.diagnosis, "corrected": v.corrected,
        "links": [link_dict(l) for l in v.links],
        "extra": {k: val for k, val in v.extra},
    }


def verdict_from(claim_id: str, d: dict[str, Any]) -> Verdict:
    return Verdict(
        claim_id=claim_id, kind=Kind(d["verdict"]), ok=d["ok"], reason=d["reason"],
        links=tuple(link_from(l) for l in d["links"]), first_broken=d["first_broken_link"],
        ends_agree=d["ends_agree"], seconds=d["seconds"], scope=d["scope"],
        diagnosis=d.get("diagnosis", ""), corrected=d.get("corrected", ""),
        extra=tuple(d.get("extra", {}).items()))


def result_dict(claim: Claim, v: Verdict) -> dict[str, Any]:
    """One entry of the JSON `results` list: the stable interface."""
    cx = v.counterexample
    return {
        "id": claim.id, "title": claim.title, "file": claim.file, "line": claim.line,
        "source": claim.source, "expected": claim.expect.value,
        "sides": list(claim.sides), "corrects": claim.corrects,
        "where": dict(claim.where), "when": claim.when,  # the index ranges it was checked for
        **verdict_dict(v),
        "counterexample": counterexample_dict(cx) if cx else None,
    }


def summary(pairs: list[tuple[Claim, Verdict]], load_errors: int = 0) -> dict[str, Any]:
    counts = {k.value: 0 for k in Kind}
    for _, v in pairs:
        counts[v.kind.value] += 1
    errata = sum(1 for c, v in pairs if c.expect.value == "erratum" and v.ok)
    return {
        "total": len(pairs), **counts, "expected_errata": errata,
        "ok": sum(1 for _, v in pairs if v.ok),
        "not_ok": sum(1 for _, v in pairs if not v.ok),
        "input_errors": load_errors,
        "seconds": round(sum(v.seconds for _, v in pairs), 3),
    }
