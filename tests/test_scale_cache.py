"""Issue 20, the cache of a large catalog: claims that differ only in id share one signed
entry (written once, read once a run), and a forged shared entry is refused for all of them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.catalog.results_cache import ResultCache, entries
from bpcheck.model import Kind, Options
from bpcheck.run.runner import run_claims

HEAD = '[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n'


@pytest.fixture(autouse=True)
def own_cache_key(tmp_path, monkeypatch):
    monkeypatch.delenv("BPCHECK_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def claims(tmp_path: Path, n: int, distinct: int, wrong: int = -1) -> list:
    """n claims, `distinct` contents; content `wrong` states a false derivative."""
    body = [HEAD]
    for k in range(n):
        p = k % distinct + 2
        factor = p + 1 if k % distinct == wrong else p
        body.append(f'[[claim]]\nid = "c{k}"\nsource = "t"\nsetting = "s"\n'
                    f'quantity = "diff(x**{p}, x)"\nformula = "{factor} * x**{p - 1}"\n')
    path = tmp_path / "cat.toml"
    path.write_text("\n".join(body), encoding="utf-8")
    catalog = load_catalog([path])
    assert not catalog.errors
    return list(catalog.claims)


def run(cs: list, cache: ResultCache) -> list:
    return run_claims(cs, Options(), jobs=1, lookup=cache.lookup, store=cache.store)


def test_one_entry_per_content_serves_every_id(tmp_path):
    cs = claims(tmp_path, 30, distinct=3, wrong=1)
    folder = tmp_path / ".bpcheck_cache"
    cache = ResultCache(folder, Options())
    cold = run(cs, cache)
    assert len(entries(folder)) == 3 and cache.stored == 3
    again = ResultCache(folder, Options())
    warm = run(cs, again)
    assert (again.hits, again.misses, again.stored) == (30, 0, 0)
    assert [(c.id, v.claim_id, v.kind) for c, v in warm] == \
        [(c.id, v.claim_id, v.kind) for c, v in cold]
    assert [v.kind for _, v in warm[:3]] == [Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED]
    assert all(dict(v.extra)["cached"] for _, v in warm)


def test_each_entry_is_read_once_a_run(tmp_path, monkeypatch):
    cs = claims(tmp_path, 20, distinct=2)
    folder = tmp_path / ".bpcheck_cache"
    run(cs, ResultCache(folder, Options()))
    reads: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: reads.append(p.name) or real(p))
    cache = ResultCache(folder, Options())
    assert all(cache.lookup(c) is not None for c in cs)
    assert len(reads) == 2


def test_a_forged_shared_entry_is_refused_for_every_id(tmp_path):
    cs = claims(tmp_path, 12, distinct=3, wrong=1)
    folder = tmp_path / ".bpcheck_cache"
    cache = ResultCache(folder, Options())
    run(cs, cache)
    wrong = next(p for p in entries(folder) if b'"REFUTED"' in p.read_bytes())
    tag, payload = wrong.read_bytes().split(b"\n", 1)
    data = json.loads(payload)
    data["verdict"].update(verdict="VERIFIED", ok=True, counterexample=None)
    wrong.write_bytes(tag + b"\n" + json.dumps(data).encode("utf-8"))

    again = ResultCache(folder, Options())
    pairs = run(cs, again)
    assert [v.kind for _, v in pairs[1::3]] == [Kind.REFUTED] * 4  # decided afresh
    assert sum(again.signer.rejected.values()) == 1  # one forged file, counted once
    assert (again.misses, again.stored) == (4, 1)  # and written again, signed, once
