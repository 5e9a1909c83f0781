"""Mutation test: every wrong variant of a true claim that an independent oracle finds
different is REFUTED, never VERIFIED; the oracle itself is cross-checked."""
import ast
from dataclasses import replace

from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.explain.edits import edits
from bpcheck.model import Kind, Options
from bpcheck.mutation import mutants as mutation
from bpcheck.mutation.mutants import KINDS, kill_rate, mutants, run_mutation
from bpcheck.mutation.oracle import DIFFERS, EQUAL, NOT_JUDGED, judge

ROOT = Path(__file__).resolve().parents[1]


def test_edit_kinds_cover_the_usual_mistakes():
    kinds = {e.kind for e in edits("fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])")}
    assert {"sign", "transpose-missing", "transpose-extra", "fprime-missing", "layer",
            "factor-2", "operands"} <= kinds
    swapped = {e.text for e in edits("W[l][i, j] * delta[l][i] * a[l-1][j]") if e.kind == "index-swap"}
    assert "W[l][j, i] * delta[l][i] * a[l - 1][j]" in swapped
    assert "W[l][j, i] * delta[l][j] * a[l - 1][i]" in swapped


def test_edits_of_a_tree_leave_it_alone_and_share_what_they_do_not_touch():
    import ast
    from bpcheck.catalog.formula import check_tree, node_key, parse
    text = "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])"
    tree = parse(text, {"l", "z", "W", "delta"}).tree
    before = ast.dump(tree)
    found = list(edits(tree))
    assert ast.dump(tree) == before  # the parsed tree is never modified
    assert [e.text for e in found] == [e.text for e in edits(text)]  # text or tree: the same
    for e in found:  # each variant's tree is what its text parses to
        assert node_key(e.tree) == node_key(ast.parse(e.text.replace("⊙", "%"), mode="eval"))
        check_tree(e.tree, {"l", "z", "W", "delta"})
    dropped = next(e for e in found if e.kind == "transpose-missing")
    assert dropped.tree.body.left is tree.body.left  # fprime(z[l]) is shared, not copied
    keys = [node_key(e.tree) for e in found]
    assert len(set(keys)) == len(keys) and node_key(tree) not in keys  # no duplicates


def _claim(claim_id, path="design_card.toml"):
    return next(c for c in load_catalog([ROOT / "derivations" / path]).claims if c.id == claim_id)


def test_oracle_finds_planted_wrong_formulas_different():
    dW = _claim("card.dW")  # widths 4-3-2: W[l] is not square
    planted = ["-delta[l] * transpose(a[l-1])",  # sign flip
               "transpose(transpose(a[l-1]) * 1) * transpose(delta[l])",  # transposed result
               "delta[l] * a[l-1]",  # missing transpose: no value at these sizes
               "2 * delta[l] * transpose(a[l-1])"]
    found = judge(dW, planted)
    assert [j.kind for j in found] == [DIFFERS] * 4
    sig = _claim("card.sigmoid-derivative")
    assert [j.kind for j in judge(sig, ["-sigmoid(x) * (1 - sigmoid(x))", "sigmoid(x) * (1 + sigmoid(x))",
                                        "sigmoid(x) * (1 - sigmoid(x)) + 1e-9"])] == [DIFFERS] * 3


def test_oracle_finds_the_catalogs_true_formulas_equal():
    """At the same points (the whole catalog's are checked by the slow test below: a claim
    whose own formula the oracle cannot reproduce has its mutants not judged)."""
    for claim in load_catalog([ROOT / "derivations" / "design_card.toml"]).claims:
        if claim.expect.value != "holds" or claim.strategy:
            continue
        found = judge(claim, list(claim.sides[1:]))
        assert all(j.kind == EQUAL for j in found), (claim.id, found)


def test_oracle_names_what_it_cannot_evaluate():
    dW = _claim("card.dW")
    [j] = judge(dW, ["entry(delta[l], 1) * transpose(a[l-1])"])
    assert j.kind == NOT_JUDGED and "entry" in j.reason


def test_oracle_shares_nothing_with_the_checker():
    banned = ("decide", "symbolic", "numeric", "sympy", "symengine")
    for name in ("oracle", "values", "interpreter", "networks", "scalar"):
        tree = ast.parse((ROOT / "bpcheck" / "mutation" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not any(b in (node.module or "") for b in banned), (name, node.module)
            if isinstance(node, ast.Import):
                assert not any(b in a.name for a in node.names for b in banned), name


def test_mutants_of_the_recurrence_are_judged_and_killed():
    claim = _claim("card.delta-recurrence")
    found = mutants(claim)
    assert {k for k, _ in found} >= {"sign", "transpose-missing", "fprime-missing", "layer", "factor-2"}
    results = run_mutation([claim], Options(points=12, reference=False))
    summary = kill_rate(results)
    assert summary["judged_by"] == {"reference": len(results), "mpmath": 0, "not judged": 0}
    assert summary["false_proofs"] == 0 and summary["survived"] == 0
    assert summary["killed"] >= 5 and summary["kill_rate"] == 1.0


def test_a_false_proof_fails_the_run(monkeypatch):
    """A checker that verifies everything: the oracle, not the checker, exposes it."""
    real = mutation.verify_claim

    def always_verified(claim, options):
        return replace(real(claim, options), kind=Kind.VERIFIED)
    monkeypatch.setattr(mutation, "verify_claim", always_verified)
    results = run_mutation([_claim("card.db")], Options(points=12, reference=False))
    summary = kill_rate(results)
    assert summary["false_proofs"] == summary["different"] > 0
    assert summary["kill_rate"] == 0.0


def test_scalar_mutants_are_judged_by_high_precision_numerics():
    claim = _claim("card.softmax-jacobian-off-diagonal")
    results = run_mutation([claim], Options(points=12, reference=False))
    summary = kill_rate(results)
    assert summary["judged_by"]["mpmath"] == len(results) > 0
    assert summary["false_proofs"] == 0 and summary["killed"] > 0


@pytest.mark.slow
def test_whole_catalog_no_false_proof_and_total_kill_rate():
    claims = load_catalog([ROOT / "derivations"]).claims
    results = run_mutation(claims, Options(points=12, reference=False))
    summary = kill_rate(results)
    bad = [m for m in results if m.outcome in ("FALSE PROOF", "false refutation", "survived")]
    assert bad == []
    assert summary["judged_by"]["reference"] > 600 and summary["judged_by"]["mpmath"] > 100
    assert summary["judged_by"]["not judged"] <= 10
    assert summary["kill_rate"] == 1.0 and summary["killed"] > 600
    assert all(summary["killed_by_kind"][k] > 0 for k in KINDS)
