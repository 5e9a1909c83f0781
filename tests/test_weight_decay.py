"""Regularised losses (issue 17): `weight_decay` adds λ/2 Σ_l ‖W[l]‖² to the loss, in TOML
catalogs and in notes, and ∂J/∂W gains λW; a claim that leaves λW out is refuted."""
from __future__ import annotations


from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.run.check import check_claim

CATALOG = '''
[setting.decay]
kind = "network"
widths = [3, 4, 2]
activation = "tanh"
loss = "mse_half"
weight_decay = "lam"

[setting.decay01]
kind = "network"
widths = [2, 3, 2]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
target = "onehot"
weight_decay = 0.1

[[claim]]
id = "dW"
title = "t"
source = "own"
setting = "decay"
where = { l = "1..L" }
quantity = "diff(J, W[l])"
formula = "delta[l] * transpose(a[l-1]) + lam * W[l]"

[[claim]]
id = "dW-without-decay"
title = "t"
source = "own"
setting = "decay"
where = { l = "1..L" }
quantity = "diff(J, W[l])"
formula = "delta[l] * transpose(a[l-1])"

[[claim]]
id = "delta-unchanged"
title = "t"
source = "own"
setting = "decay01"
quantity = "diff(J, z[L])"
formula = "a[L] - y"

[[claim]]
id = "dW-exact"
title = "t"
source = "own"
setting = "decay01"
where = { l = "1..L" }
quantity = "diff(J, W[l])"
formula = "delta[l] * transpose(a[l-1]) + 1/10 * W[l]"

[[claim]]
id = "dW-half"
title = "t"
source = "own"
setting = "decay01"
where = { l = "1..L" }
quantity = "diff(J, W[l])"
formula = "delta[l] * transpose(a[l-1]) + 1/20 * W[l]"
'''


def test_weight_decay_in_a_catalog(tmp_path):
    path = tmp_path / "decay.toml"
    path.write_text(CATALOG, encoding="utf-8")
    catalog = load_catalog([path])
    assert not catalog.errors
    kinds = {c.id: check_claim(c).kind for c in catalog.claims}
    assert kinds == {"dW": Kind.VERIFIED, "dW-without-decay": Kind.REFUTED,
                     "delta-unchanged": Kind.VERIFIED, "dW-exact": Kind.VERIFIED,
                     "dW-half": Kind.REFUTED}


def test_a_bad_weight_decay_is_a_setting_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(CATALOG.replace('weight_decay = "lam"', "weight_decay = -1"), encoding="utf-8")
    assert load_catalog([path]).errors


def test_a_regularised_note_read_whole(tmp_path):
    path = tmp_path / "decay.md"
    path.write_text(
        "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half "
        "weight_decay=\\lambda -->\n"
        r"$$ J = \frac{1}{2}\|a^{(L)} - y\|^2 + \frac{\lambda}{2} \sum_{l=1}^{L} \|W^{(l)}\|_F^2 $$"
        "\n\n"
        r"$$ \frac{\partial J}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^T + \lambda W^{(l)} $$"
        "\n\n"
        r"$$ \frac{\partial J}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^T $$" "\n",
        encoding="utf-8")
    notes = read_notes(path, Refs({}, {}))
    assert not notes.errors
    assert "lam / 2" in notes.claims[0].sides[1]
    assert [check_claim(c).kind for c in notes.claims] == [Kind.VERIFIED, Kind.VERIFIED,
                                                           Kind.REFUTED]


def test_a_claim_between_constants_is_decided_not_an_internal_error(tmp_path):
    path = tmp_path / "constants.toml"
    path.write_text('''
[setting.s]
kind = "scalar"
symbols = ["u"]

[[claim]]
id = "piecewise-constant"
title = "t"
source = "own"
setting = "s"
quantity = "piecewise((0, abs(sigmoid(1) - 0.731) <= 0.0005), (1, True))"
formula = "0"
''', encoding="utf-8")
    [claim] = load_catalog([path]).claims
    assert check_claim(claim).kind is not Kind.ERROR  # was a ValueError in the wide search
