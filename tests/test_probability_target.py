"""Probability-vector targets (issue 17): `target = "probability"` makes every column of y a
probability vector (Σ y = 1, its last entry 1 minus the others), so softmax + cross-entropy's
δ = a − y holds without a one-hot target; the independent oracle agrees."""
from __future__ import annotations

from pathlib import Path

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind
from bpcheck.mutation.oracle import EQUAL, judge
from bpcheck.run.check import check_claim

CATALOG = '''
[setting.p]
kind = "network"
widths = [3, 4, 3]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
target = "probability"

[setting.f]
kind = "network"
widths = [3, 4, 3]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"

[[claim]]
id = "delta"
title = "t"
source = "own"
setting = "p"
quantity = "diff(J, z[L])"
formula = "a[L] - y"

[[claim]]
id = "delta-free-target"
title = "t"
source = "own"
setting = "f"
quantity = "diff(J, z[L])"
formula = "a[L] - y"

[[claim]]
id = "dW"
title = "t"
source = "own"
setting = "p"
where = { l = "1..L" }
quantity = "diff(J, W[l])"
formula = "delta[l] * transpose(a[l-1])"

[[claim]]
id = "sign"
title = "t"
source = "own"
setting = "p"
quantity = "diff(J, z[L])"
formula = "y - a[L]"

[[claim]]
id = "by-the-target"
title = "t"
source = "own"
setting = "p"
quantity = "diff(J, y)"
formula = "-log(a[L])"
'''


def test_probability_targets(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(CATALOG, encoding="utf-8")
    claims = {c.id: c for c in load_catalog([path]).claims}
    kinds = {k: check_claim(c).kind for k, c in claims.items()}
    assert kinds == {"delta": Kind.VERIFIED, "delta-free-target": Kind.REFUTED,
                     "dW": Kind.VERIFIED, "sign": Kind.REFUTED,
                     "by-the-target": Kind.ERROR}  # its last entry is no variable
    oracle = [j.kind for j in judge(claims["delta"], ["a[L] - y", "y - a[L]"])]
    assert oracle[0] == EQUAL and oracle[1] != EQUAL  # the independent oracle agrees
