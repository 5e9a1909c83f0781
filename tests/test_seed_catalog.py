"""The shipped catalog: every claim meets its expectation; errata and chains as documented."""
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Expect, Kind, Options
from bpcheck.decide.claim import verify_claim

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog([ROOT / "derivations"])
BY_ID = {c.id: c for c in CATALOG.claims}


def verdict(cid: str):
    return verify_claim(BY_ID[cid], Options())


def test_catalog_loads_cleanly_and_covers_every_document():
    assert CATALOG.errors == ()
    docs = {Path(c.file).name[:3] for c in CATALOG.claims}
    assert {"000", "001", "002", "003", "004"} <= docs
    for c in CATALOG.claims:
        assert c.source.strip()


def test_every_erratum_has_a_verified_correction():
    errata = {c.id for c in CATALOG.claims if c.expect is Expect.ERRATUM}
    corrected = {c.corrects for c in CATALOG.claims if c.corrects}
    # an erratum is either corrected by a claim or shows a convention/reading beside one
    uncorrected = errata - corrected
    assert len(uncorrected) <= len(errata) // 2, uncorrected


@pytest.mark.slow
@pytest.mark.parametrize("claim", CATALOG.claims, ids=lambda c: c.id)
def test_each_claim_meets_its_expectation(claim):
    v = verify_claim(claim, Options())
    assert v.ok, f"{claim.id}: {v.kind.value}: {v.reason}"
    if claim.expect is Expect.ERRATUM:
        assert v.kind is Kind.REFUTED
        assert v.counterexample is not None or "×" in v.reason or "does not exist" in v.reason


def test_first_broken_link_of_a_chain():
    v = verdict("001.delta-recurrence")
    assert v.kind is Kind.REFUTED
    assert v.first_broken == 1  # link 2: δ_i^(l) written for δ_j^(l+1)
    assert v.links[0].kind is Kind.VERIFIED
    assert v.ends_agree is False
    cx = v.counterexample
    assert cx is not None and cx.rel_err > 0.1


def test_broken_chain_whose_ends_still_agree():
    v = verdict("001.dW")
    assert v.kind is Kind.REFUTED and v.first_broken == 1 and v.ends_agree is True
    assert v.links[-1].kind is Kind.VERIFIED


@pytest.mark.parametrize("erratum, correction", [
    ("002.gd.batch", "002.gd.batch-corrected"),
    ("003.eq9.19", "003.eq9.19-corrected"),
    ("004.s5.mean-pool", "004.s5.mean-pool-corrected"),
    ("004.s4.update-improves-fit", "004.s4.update-usual-sign"),
])
def test_erratum_refuted_and_correction_verified(erratum, correction):
    bad, good = verdict(erratum), verdict(correction)
    assert bad.kind is Kind.REFUTED and bad.ok and bad.counterexample is not None
    assert good.kind is Kind.VERIFIED and good.ok


def test_sign_erratum_counterexample_is_the_negated_value():
    cx = verdict("002.gd.sgd").counterexample
    assert cx.rhs[0] == pytest.approx(-cx.lhs[0])


def test_other_convention_reading_holds():
    assert verdict("003.eq9.18").kind is Kind.REFUTED
    assert verdict("003.eq9.18-other-convention").kind is Kind.VERIFIED


def test_relu_convention_at_zero_is_stated():
    v = verdict("004.s5.relu-derivative")
    assert v.kind is Kind.VERIFIED
    assert "x = 0" in v.scope and "subgradient" in v.scope


def test_every_width_proofs_are_symbolic_size():
    for cid in ("general.softmax-jacobian", "general.layer-jacobian", "general.dW", "general.db"):
        v = verdict(cid)
        assert v.kind is Kind.VERIFIED
        assert "every" in v.scope


def test_worked_example_numbers():
    v = verdict("004.s7.example")
    assert v.kind is Kind.VERIFIED and len(v.links) == 3
