"""Parsed catalog files are cached per content; a cached load equals a fresh one."""
import pytest

from bpcheck.catalog.files import load_catalog

from conftest import claim_toml


@pytest.fixture(autouse=True)
def own_cache_key(tmp_path, monkeypatch):
    """Each test signs with a key of its own, never the user's."""
    monkeypatch.delenv("BPCHECK_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_cached_load_equals_fresh_load_and_follows_edits(write_catalog, tmp_path):
    path = write_catalog(claim_toml("a", "net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])",
                                    where='{ l = "1..L" }'))
    cache = str(tmp_path / "cache")
    fresh = load_catalog([path])
    first = load_catalog([path], cache_dir=cache)
    second = load_catalog([path], cache_dir=cache)  # from the cache entry
    assert fresh.claims == first.claims == second.claims
    assert len(list((tmp_path / "cache").glob("catalog-*.json"))) == 1
    path.write_text(path.read_text().replace("delta[l] *", "2 * delta[l] *"))
    edited = load_catalog([path], cache_dir=cache)
    assert edited.claims[0].sides[1].startswith("2 * delta")


def test_files_with_errors_are_not_cached(write_catalog, tmp_path):
    path = write_catalog(claim_toml("a", "net", "x.real", "1"))
    cache = tmp_path / "cache"
    assert load_catalog([path], cache_dir=str(cache)).errors
    assert load_catalog([path], cache_dir=str(cache)).errors
    assert not list(cache.glob("catalog-*.json"))
