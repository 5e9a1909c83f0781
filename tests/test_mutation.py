"""Mutation test: every wrong variant of a true claim that is not equivalent is REFUTED."""
from pathlib import Path

import pytest

from bpcheck.catalog import load_catalog
from bpcheck.edits import edits
from bpcheck.model import Kind, Options
from bpcheck.mutation import KINDS, kill_rate, mutants, run_mutation

ROOT = Path(__file__).resolve().parents[1]


def test_edit_kinds_cover_the_usual_mistakes():
    kinds = {e.kind for e in edits("fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])")}
    assert {"sign", "transpose-missing", "transpose-extra", "fprime-missing", "layer",
            "factor-2", "operands"} <= kinds
    swapped = {e.text for e in edits("W[l][i, j] * delta[l][i] * a[l-1][j]") if e.kind == "index-swap"}
    assert "W[l][j, i] * delta[l][i] * a[l - 1][j]" in swapped
    assert "W[l][j, i] * delta[l][j] * a[l - 1][i]" in swapped


def test_mutants_of_the_recurrence_are_all_refuted(tmp_path):
    claim = next(c for c in load_catalog([ROOT / "derivations" / "design_card.toml"]).claims
                 if c.id == "card.delta-recurrence")
    found = mutants(claim)
    assert {k for k, _ in found} >= {"sign", "transpose-missing", "fprime-missing", "layer", "factor-2"}
    results = run_mutation([claim], Options(points=12, reference=False))
    assert all(m.verdict in (Kind.REFUTED, Kind.VERIFIED) for m in results)
    assert sum(m.verdict is Kind.REFUTED for m in results) >= 5


@pytest.mark.slow
def test_whole_catalog_kill_rate_is_total():
    claims = load_catalog([ROOT / "derivations"]).claims
    results = run_mutation(claims, Options(points=12, reference=False))
    summary = kill_rate(results)
    survivors = [m for m in results if m.verdict is Kind.INCONCLUSIVE]
    assert survivors == []
    assert summary["kill_rate"] == 1.0
    assert summary["killed"] > 500
    assert all(summary["killed_by_kind"][k] > 0 for k in KINDS)
