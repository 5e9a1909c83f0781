"""Red team: adversarial claims of every family that once reached a false VERIFIED.

Every FALSE claim here was confirmed false independently of bpcheck (by hand, or with plain
NumPy/mpmath at a stated point in the comment) and must never be VERIFIED; the TRUE ones
guard against fixing soundness by refusing everything.  Families: decimal literals, complex
branches, undefined values, tiny perturbations below the tolerance, far-away and narrow
differences, every-size sums, chains and matrix entries, declared assumptions, look-alike
function names."""
from __future__ import annotations

import textwrap

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options
from bpcheck.run.check import check_claim

SETTINGS = """
[setting.x]
kind = "scalar"
symbols = ["x"]

[setting.xy]
kind = "scalar"
symbols = ["x", "y"]

[setting.pos]
kind = "scalar"
symbols = ["u", "v"]
positive = ["v"]

[setting.fg]
kind = "scalar"
symbols = ["x"]
functions = ["fab", "fba"]

[setting.soft]
kind = "scalar"
vectors = { z = 3 }

[setting.net]
kind = "network"
widths = [3, 2, 2]
activation = "sigmoid"
loss = "mse_half"

[setting.sizes]
kind = "scalar"
integers = ["i", "k", "n"]
indexed = ["z"]
"""

# (id, setting, quantity, formula, extra TOML lines); each is false: see the comment
FALSE = [
    # decimal literals: the digits beyond float64 are part of the number
    ("dec-17-digits", "x", "diff(x**2, x)", "2.0000000000000001*x", ""),   # off by 1e-16*x
    ("dec-underflow", "x", "diff(x**2, x)", "2*x + 1e-400", ""),           # off by 1e-400
    ("dec-30-digits", "x", "diff(x**2, x)", "2.000000000000000000000000000001*x", ""),
    ("dec-tiny-coef", "x", "diff(x**2, x)", "2*x + 0.00000000000000000001*x", ""),
    ("int-power-tiny", "x", "diff(x**2, x)", "2*x + 10**(-30)", ""),
    # complex branches: log(exp(i x)) = i x only for |x| < pi; cube root of a negative
    ("log-exp-branch", "x", "diff(x**2, x)",
     "2*x + sqrt(-1)*(log(exp(sqrt(-1)*x)) - sqrt(-1)*x)", ""),     # at x = 4: off by 2*pi
    ("cube-root-branch", "x", "diff(x**2, x)", "2*(x**3)**(1/3)", ""),  # at x = -1: 1 + 1.73i
    ("sqrt-square", "x", "diff(x**2, x)", "2*sqrt(x**2)", ""),          # at x = -1: 2, not -2
    # undefined at every real point: never agreement
    ("exp-log-negative", "x", "diff(x**3/3, x)", "exp(log(-1 - x**2))", ""),  # claims x**2
    ("zero-denominator", "x", "diff(x**2, x)", "0/((x + 1)**2 - x**2 - 2*x - 1)", ""),
    ("zero-over-zero", "x", "diff(x**2, x)", "2*x + (x - x)/(x - x)", ""),  # 0/0 + 2x
    # differences too small or too far away for the default sample
    ("far-away", "x", "diff(x**2, x)", "2*x + exp(-(x - 40)**2)", ""),  # at x = 40: off by 1
    ("narrow-bump", "x", "diff(x**2, x)", "2*x + exp(-10**6*x**2)", ""),  # at x = 0: off by 1
    ("below-rtol", "x", "diff(x**2, x)", "2*x*(1 + 10**(-12))", ""),
    # one wrong entry of a matrix, one wrong link of a chain
    ("softmax-one-entry", "soft", "diff(softmax(z), z)",
     "diag(softmax(z)) - softmax(z) * transpose(softmax(z)) + 10**(-9)*matrix((0, 0, 0), (0, 0, 0), (0, 0, 1))",
     ""),
    ("net-tiny-term", "net", "diff(J, W[2])",
     "delta[2] * transpose(a[1]) + 10**(-11)*ones(2, 2)", ""),
    # declared assumptions: log(u**2) = 2 log(u) needs u > 0, and u is not declared so
    ("log-power-unsigned", "pos", "diff(log(u**2), u)", "2/u + log(u**2) - 2*log(u)", ""),
    # look-alike names: two different undefined functions
    ("anagram-functions", "fg", "diff(fab(x), x)", "diff(fba(x), x)", ""),
    # a complex term on one weight of a network (wrong by 2*pi where |W| > pi)
    ("net-complex-weight", "net", "diff(J, W[2])",
     "delta[2] * transpose(a[1]) + sqrt(-1)*(log(exp(sqrt(-1)*10*W[2])) - sqrt(-1)*10*W[2])", ""),
    # undefined everywhere, hidden in a product, or in terms that cancel
    ("zero-times-log-zero", "x", "diff(x**2, x)", "2*x + 0*log(x - x)", ""),
    ("cancelled-undefined", "x", "diff(x**2, x)",
     "2*x + 1/(x*((x + 1)**2 - x**2 - 2*x - 1)) - 1/(x*((x + 1)**2 - x**2 - 2*x - 1))", ""),
    # plainly wrong for x < 0 only
    ("abs-for-x", "x", "diff(abs(x), x)", "1", ""),
    # every-size sums: a delta with coefficient 2, and an empty range under Karr's rule
    ("sum-even-index", "sizes", "diff(Sum(z[2*k]**2, (k, 1, n)), z[i])", "z[i]",
     'strategy = "indexed"\nwhere = { i = "1..n" }'),   # at i = 1 the left side is 0
    ("sum-karr", "sizes", "Sum(z[i], (k, 5, n))", "(n - 4)*z[i]",
     'strategy = "indexed"\nwhere = { i = "1..n" }'),   # at n = 1: 0, not -3*z[1]
    # a chain whose last link is wrong (the first is right)
    ("chain-last-link", "x", "diff(x**3, x)", "", 'chain = ["3*x**2", "3*x*x", "3*x**2 + x"]'),
]

TRUE = [
    ("exact-decimals", "x", "diff(x**2, x)", "x*(0.1 + 0.2)/0.3*2", ""),
    ("huge-and-back", "x", "diff(x**2, x)", "2*x + 1e400 - 1e400", ""),
    ("log-quotient-positive", "pos", "log(exp(u)/v)", "u - log(v)", ""),  # v > 0 declared
    ("softmax-jacobian", "soft", "diff(softmax(z), z)",
     "diag(softmax(z)) - softmax(z) * transpose(softmax(z))", ""),
]


def _catalog(tmp_path, rows):
    body = [textwrap.dedent(SETTINGS)]
    for cid, setting, quantity, formula, extra in rows:
        written = f'formula = "{formula}"\n' if formula else ""
        body.append(f'[[claim]]\nid = "{cid}"\nsource = "red team"\nsetting = "{setting}"\n'
                    f'quantity = "{quantity}"\n{written}{extra}\n')
    path = tmp_path / "red.toml"
    path.write_text("\n".join(body), encoding="utf-8")
    catalog = load_catalog([path])
    return {c.id: c for c in catalog.claims}, catalog.errors


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("red")
    claims, errors = _catalog(tmp, FALSE + TRUE)
    options = Options(timeout=30)
    return {cid: check_claim(c, options) for cid, c in claims.items()}, errors


# Of the false claims, these have a difference the numbers can show (beyond float64 noise,
# at real values): each must be REFUTED with a counterexample, not merely left unproved.
REFUTABLE = {"log-exp-branch", "sqrt-square", "exp-log-negative", "far-away", "narrow-bump",
             "anagram-functions", "net-complex-weight", "abs-for-x", "sum-even-index",
             "sum-karr", "chain-last-link"}


@pytest.mark.parametrize("row", FALSE, ids=[r[0] for r in FALSE])
def test_no_false_claim_is_verified(decided, row):
    verdicts, errors = decided
    cid = row[0]
    if cid not in verdicts:  # refused as input: acceptable, never silently
        assert any(cid in e.message or "red.toml" in e.file for e in errors)
        return
    assert verdicts[cid].kind is not Kind.VERIFIED, verdicts[cid].reason
    assert verdicts[cid].ok is False  # a claim expected to hold that does not: exit code 1
    if cid in REFUTABLE:
        assert verdicts[cid].kind is Kind.REFUTED, verdicts[cid].reason
        broken = verdicts[cid].links[verdicts[cid].first_broken]
        assert broken.counterexample is not None or "concrete size" in broken.reason


@pytest.mark.parametrize("row", TRUE, ids=[r[0] for r in TRUE])
def test_true_claims_are_still_proved(decided, row):
    verdicts, _ = decided
    assert verdicts[row[0]].kind is Kind.VERIFIED, verdicts[row[0]].reason


# Claims false only on a set of measure zero: VERIFIED is right only if the verdict says which
# set its decision excluded.
MEASURE_ZERO = [
    ("tie-line", "xy", "diff(x**2, x)", "piecewise((7, x == y), (2*x, True))", ""),
    ("max-tie", "xy", "diff(max(x, y), x)", "step(x - y)", ""),
]


@pytest.mark.parametrize("row", MEASURE_ZERO, ids=[r[0] for r in MEASURE_ZERO])
def test_a_verdict_that_excludes_a_set_says_so(tmp_path, row):
    claims, errors = _catalog(tmp_path, [row])
    assert not errors
    v = check_claim(claims[row[0]], Options(timeout=30))
    assert v.kind is not Kind.VERIFIED or "excluded" in v.scope, v.scope


def test_a_counterexample_respects_a_declared_positive_symbol(tmp_path):
    claims, _ = _catalog(tmp_path, [("pos-wrong", "pos", "diff(v**2, v)", "2*abs(v) + 1", "")])
    v = check_claim(claims["pos-wrong"], Options(timeout=30))
    assert v.kind is Kind.REFUTED
    cx = v.links[v.first_broken].counterexample
    assert dict(cx.inputs)["v"] > 0
