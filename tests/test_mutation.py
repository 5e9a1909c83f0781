"""Mutation test: every wrong variant of a true claim that is not equivalent is REFUTED."""
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.explain.edits import edits
from bpcheck.model import Kind, Options
from bpcheck.explain.mutation import KINDS, kill_rate, mutants, run_mutation

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
