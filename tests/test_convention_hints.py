"""A claim refuted only because of a convention gets a diagnosis naming the key to set:
the orientation of W (out_in / in_out), the layer numbering (standard / ufldl), a one-hot
target.  Decided, never guessed: the hint is given only when the claim, decided again
with that key changed, is VERIFIED; a claim wrong in every convention gets none."""
from __future__ import annotations


import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

SETTINGS = """
[setting.square]
kind = "network"
widths = [3, 3, 3]
activation = "tanh"
loss = "mse_half"

[setting.deep_ufldl]
kind = "network"
widths = [3, 4, 4, 2]
activation = "sigmoid"
loss = "mse_half"
numbering = "ufldl"
"""


def claim(cid: str, setting: str, formula: str, where: str = "1..L-1") -> str:
    return (f'\n[[claim]]\nid = "{cid}"\nsource = "t"\nsetting = "{setting}"\n'
            f'where = {{ l = "{where}" }}\nquantity = "diff(J, z[l])"\nformula = "{formula}"\n')


CLAIMS = {
    # W δ without the transpose: right when W[l] is stored n(l-1)×n(l) (in_out)
    "orientation": claim("orientation", "square", "(W[l+1] * delta[l+1]) % fprime(z[l])"),
    # the standard numbering's recurrence, in a setting numbered as UFLDL does
    "numbering": claim("numbering", "deep_ufldl",
                       "(transpose(W[l+1]) * delta[l+1]) % fprime(z[l])", "2..L-1"),
    # wrong in every convention: z where f'(z) belongs
    "wrong": claim("wrong", "square", "(transpose(W[l+1]) * delta[l+1]) % z[l]"),
}
EXPECTED = {"orientation": "orientation=in_out", "numbering": "numbering=standard",
            "wrong": None}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("conv") / "conv.toml"
    path.write_text(SETTINGS + "".join(CLAIMS.values()), encoding="utf-8")
    catalog = load_catalog([path])
    assert not catalog.errors
    return {c.id: check_claim(c, Options(shrink=False)) for c in catalog.claims}


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_a_convention_only_refutation_names_the_key(verdicts, cid):
    verdict = verdicts[cid]
    assert verdict.kind is Kind.REFUTED  # the claim stays refuted in its own setting
    extra = dict(verdict.extra)
    assert extra.get("convention") == EXPECTED[cid]
    if EXPECTED[cid]:
        assert verdict.diagnosis.endswith(extra["convention_hint"])  # after any repair
        key, value = EXPECTED[cid].split("=")
        assert key in verdict.diagnosis and f'"{value}"' in verdict.diagnosis
    else:
        assert "convention_hint" not in extra and verdict.diagnosis


def test_the_hint_is_decided_the_claim_holds_with_the_key_set(tmp_path):
    """Independent of the hint's code: the catalog, edited as the hint says, verifies."""
    text = SETTINGS.replace('loss = "mse_half"\nnumbering = "ufldl"', 'loss = "mse_half"')
    text = text.replace('activation = "tanh"', 'activation = "tanh"\norientation = "in_out"')
    path = tmp_path / "fixed.toml"
    path.write_text(text + CLAIMS["orientation"] + CLAIMS["numbering"].replace(
        '"2..L-1"', '"1..L-1"'), encoding="utf-8")
    for c in load_catalog([path]).claims:
        assert check_claim(c, Options(shrink=False, diagnose=False)).kind is Kind.VERIFIED


def test_a_note_is_told_the_defaults_key(tmp_path):
    note = tmp_path / "n.md"
    note.write_text("<!-- bpcheck-defaults: widths=3,3,3 activation=tanh loss=mse_half -->\n\n"
                    "$$ \\delta^{(1)} = \\left(W^{(2)} \\delta^{(2)}\\right) \\odot "
                    "\\tanh'(z^{(1)}) $$\n", encoding="utf-8")
    [c] = load_sources([str(note)], None, None).claims
    verdict = check_claim(c, Options(shrink=False))
    assert verdict.kind is Kind.REFUTED
    assert dict(verdict.extra).get("convention") == "orientation=in_out"
    assert "orientation=in_out" in verdict.diagnosis  # the defaults line's spelling
    fixed = tmp_path / "fixed.md"
    fixed.write_text(note.read_text().replace("mse_half", "mse_half orientation=in_out"))
    [c] = load_sources([str(fixed)], None, None).claims
    assert check_claim(c, Options(shrink=False)).kind is Kind.VERIFIED


def test_a_claim_of_a_scalar_setting_is_never_re_decided(tmp_path, monkeypatch):
    import bpcheck.explain.conventions as conventions
    calls = []
    monkeypatch.setattr(conventions, "verify_claim", lambda *a: calls.append(a))
    path = tmp_path / "s.toml"
    path.write_text('[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n[[claim]]\nid = "c"\n'
                    'source = "t"\nsetting = "s"\nquantity = "diff(x**2, x)"\nformula = "x"\n')
    [c] = load_catalog([path]).claims
    assert check_claim(c, Options(shrink=False)).kind is Kind.REFUTED and calls == []


def test_a_hint_the_sources_other_formulas_contradict_is_withdrawn(tmp_path):
    """Alone, the W δ claim would get the in_out hint; beside a verified dW = δ aᵀ of the
    same setting (which in_out refutes) the run takes it back and keeps the repair."""
    from bpcheck.run.runner import run_claims
    dW = ('\n[[claim]]\nid = "dW"\nsource = "t"\nsetting = "square"\nwhere = { l = "1..L" }\n'
          'quantity = "diff(J, W[l])"\nformula = "delta[l] * transpose(a[l-1])"\n')
    path = tmp_path / "both.toml"
    path.write_text(SETTINGS + CLAIMS["orientation"] + dW, encoding="utf-8")
    alone = tmp_path / "alone.toml"
    alone.write_text(SETTINGS + CLAIMS["orientation"], encoding="utf-8")
    options = Options(shrink=False)
    [(_, lone)] = run_claims(load_catalog([alone]).claims, options, jobs=1)
    assert dict(lone.extra).get("convention") == "orientation=in_out"
    (_, hinted), (_, gradient) = run_claims(load_catalog([path]).claims, options, jobs=1)
    assert gradient.kind is Kind.VERIFIED
    assert hinted.kind is Kind.REFUTED and "convention" not in dict(hinted.extra)
    assert "convention_hint" not in dict(hinted.extra)
    assert dict(hinted.extra).get("diagnosis_edits")  # the repair in its own setting stays
    assert "orientation" not in hinted.diagnosis
