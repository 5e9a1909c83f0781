"""Issue 20, linear catalogs: loading and deciding grow linearly with the number of claims,
and identical claim contents are decided once."""
import time

from bpcheck.catalog.files import load_catalog
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Kind, Options

HEAD = """[setting.s]
kind = "scalar"
symbols = ["x"]
"""


def _catalog(tmp_path, n, distinct=10):
    body = [HEAD] + [f'[[claim]]\nid = "c{k}"\nsource = "t"\nsetting = "s"\n'
                     f'quantity = "diff(x**{k % distinct + 2}, x)"\n'
                     f'formula = "{k % distinct + 2} * x**{k % distinct + 1}"\n'
                     for k in range(n)]
    path = tmp_path / f"cat{n}.toml"
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def _load_seconds(path):
    start = time.perf_counter()
    cat = load_catalog([path])
    return time.perf_counter() - start, cat


def test_loading_is_linear(tmp_path):
    small, big = _catalog(tmp_path, 300), _catalog(tmp_path, 3000)
    _load_seconds(small)  # warm the parser's caches
    t_small = min(_load_seconds(small)[0] for _ in range(3))
    t_big, cat = _load_seconds(big)
    assert len(cat.claims) == 3000 and cat.errors == ()
    assert cat.claims[-1].side_lines[0] == cat.claims[-1].line + 4  # lines still exact
    assert t_big < 25 * t_small  # 10× the claims: linear is ~10×, quadratic ~100×


def test_identical_contents_are_decided_once(tmp_path, monkeypatch):
    from bpcheck.decide import claim as claim_mod
    cat = load_catalog([_catalog(tmp_path, 40, distinct=4)])
    calls = []
    real = claim_mod.check_links
    monkeypatch.setattr(claim_mod, "check_links", lambda c, o: calls.append(c.id) or real(c, o))
    options = Options(seed=7)  # a seed no other test decides these with
    kinds = {verify_claim(c, options).kind for c in cat.claims}
    assert kinds == {Kind.VERIFIED}
    assert len(calls) == 4
