"""A cache a pull request can fill is trusted only if this machine's key signed it.

Each test forges what an attacker could commit into .bpcheck_cache (an edited verdict,
an edited parsed catalog, an entry moved to another claim's name, an entry signed with
another key, an untagged entry) and checks that the false claim is still REFUTED with
exit 1.  The key lives in a config folder beside, never inside, the course folder.
"""
from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from bpcheck import cli
from bpcheck.catalog import cache_signing
from bpcheck.catalog.cache_signing import Signer
from bpcheck.catalog.results_cache import entries

pytest_plugins = ["pytester"]
importlib.import_module("bpcheck.run.check")  # pytester runs must not import NumPy twice

CLAIM = """
[setting.scalar]
kind = "scalar"
symbols = ["x"]

[[claim]]
id = "square"
source = "test"
setting = "scalar"
quantity = "diff(x**2, x)"
formula = "{formula}"
"""
TRUE, FALSE = CLAIM.format(formula="2*x"), CLAIM.format(formula="3*x")


@pytest.fixture
def course(tmp_path, monkeypatch):
    """tmp/course holds the catalog and its cache; tmp/config holds the key."""
    folder = tmp_path / "course"
    (folder / "derivations").mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv(cache_signing.ENV_KEY, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


def write_catalog(course: Path, text: str) -> None:
    (course / "derivations" / "claims.toml").write_text(text, encoding="utf-8")


def verify(capsys) -> tuple[int, dict, str]:
    """Exit code, the JSON document, and the cache warning lines (stderr)."""
    rc = cli.main(["verify", "--format", "json", "-j", "1"])
    out, err = capsys.readouterr()
    warnings = [ln for ln in err.splitlines() if ln.startswith("bpcheck: warning:")]
    return rc, json.loads(out), "\n".join(warnings)


def outcome(doc: dict) -> tuple[str, bool]:
    [result] = doc["results"]
    return result["verdict"], bool(result["extra"].get("cached"))


def cache_folder(course: Path) -> Path:
    return course / ".bpcheck_cache"


def verdict_entry(course: Path) -> Path:
    [path] = entries(cache_folder(course))
    return path


def catalog_entry(course: Path) -> Path:
    [path] = cache_folder(course).glob("catalog-*.json")
    return path


def forge(path: Path, edit, tag: bytes | None = None) -> None:
    """Rewrite an entry's JSON; keep its signature line unless `tag` replaces it."""
    old_tag, payload = path.read_bytes().split(b"\n", 1)
    data = json.loads(payload)
    edit(data)
    text = json.dumps(data).encode("utf-8")
    path.write_bytes(text if tag == b"" else (tag or old_tag) + b"\n" + text)


def rejected(warning: str, count: int, course: Path) -> bool:
    """The warning names the count and the cache folder."""
    return bool(re.search(rf"\b{count}\b", warning)) and ".bpcheck_cache" in warning


def make_verified(data: dict) -> None:
    data["verdict"].update(verdict="VERIFIED", ok=True, reason="proved", counterexample=None)


# ---- forged entries -----------------------------------------------------------------------

@pytest.mark.parametrize("tag", [None, b""], ids=["edited-after-signing", "untagged"])
def test_forged_verdict_is_ignored_and_the_false_claim_refuted(course, capsys, tag):
    write_catalog(course, FALSE)
    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc), warning) == (1, ("REFUTED", False), "")
    forge(verdict_entry(course), make_verified, tag)

    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", False))
    assert rejected(warning, 1, course)
    rc, doc, warning = verify(capsys)  # the fresh verdict was stored, signed
    assert (rc, outcome(doc), warning) == (1, ("REFUTED", True), "")


@pytest.mark.parametrize("edit", [
    lambda d: d["claims"][0].update(sides=[d["claims"][0]["sides"][0], "2*x"]),
    lambda d: d["claims"][0].update(expect="erratum"),
], ids=["formula", "expectation"])
def test_forged_parsed_catalog_is_ignored(course, capsys, edit):
    write_catalog(course, FALSE)
    assert verify(capsys)[0] == 1
    forge(catalog_entry(course), edit)

    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", True))  # the verdict entry is genuine
    assert rejected(warning, 1, course)


def test_verdict_moved_to_another_claims_name_is_ignored(course, capsys):
    """The claim keeps its id, its formula is made false, and the old VERIFIED entry is
    copied to the new formula's name: the id matches, only the signed name differs."""
    write_catalog(course, TRUE)
    assert verify(capsys)[0] == 0
    verified = verdict_entry(course).read_bytes()
    write_catalog(course, FALSE)
    assert verify(capsys)[0] == 1
    refuted = [p for p in entries(cache_folder(course)) if p.read_bytes() != verified]
    refuted[0].write_bytes(verified)

    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", False))
    assert rejected(warning, 1, course)


def test_parsed_catalog_moved_to_another_files_name_is_ignored(course, capsys):
    write_catalog(course, TRUE)
    assert verify(capsys)[0] == 0
    [true_entry] = cache_folder(course).glob("catalog-*.json")
    true_bytes = true_entry.read_bytes()
    write_catalog(course, FALSE)
    assert verify(capsys)[0] == 1
    false_entry = next(p for p in cache_folder(course).glob("catalog-*.json") if p != true_entry)
    false_entry.write_bytes(true_bytes)

    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", True))
    assert rejected(warning, 1, course)


def test_entry_signed_with_another_key_is_ignored(course, capsys):
    write_catalog(course, FALSE)
    assert verify(capsys)[0] == 1
    path = verdict_entry(course)
    data = json.loads(path.read_bytes().split(b"\n", 1)[1])
    make_verified(data)
    forged = Signer(os.urandom(32)).seal(path.name, json.dumps(data).encode("utf-8"))
    path.write_bytes(forged)

    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", False))
    assert rejected(warning, 1, course)


def test_cache_from_another_machine_is_decided_afresh(course, capsys, monkeypatch):
    """CI with a key of its own: a cache signed elsewhere is ignored, never trusted."""
    write_catalog(course, TRUE)
    monkeypatch.setenv(cache_signing.ENV_KEY, "a" * 32)
    assert verify(capsys)[0] == 0
    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc), warning) == (0, ("VERIFIED", True), "")  # the same key hits
    monkeypatch.setenv(cache_signing.ENV_KEY, "b" * 32)
    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (0, ("VERIFIED", False))
    assert rejected(warning, 2, course)  # the verdict and the parsed catalog


# ---- genuine entries and the key ----------------------------------------------------------

def test_good_entries_hit_without_warning(course, capsys):
    write_catalog(course, TRUE + FALSE.split("\n", 4)[4].replace('"square"', '"cube"'))
    rc, cold, warning = verify(capsys)
    assert rc == 1 and warning == ""
    rc, warm, warning = verify(capsys)
    assert (rc, warning) == (1, "")
    assert [(r["id"], r["verdict"]) for r in warm["results"]] == \
        [("square", "VERIFIED"), ("cube", "REFUTED")] == \
        [(r["id"], r["verdict"]) for r in cold["results"]]
    assert all(r["extra"].get("cached") for r in warm["results"])


def test_key_is_created_outside_the_course_with_owner_only_permissions(course, capsys):
    write_catalog(course, TRUE)
    verify(capsys)
    key = course.parent / "config" / "bpcheck" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) & 0o077 == 0
    secret = key.read_bytes()
    assert len(secret) == cache_signing.KEY_BYTES
    assert not any(secret in p.read_bytes() for p in course.rglob("*") if p.is_file())
    verify(capsys)
    assert key.read_bytes() == secret  # made once, then reused


def test_key_that_others_can_read_is_not_used(course, capsys, monkeypatch):
    write_catalog(course, FALSE)
    verify(capsys)
    (course.parent / "config" / "bpcheck" / "key").chmod(0o644)
    monkeypatch.setattr(cache_signing, "_signers", {})  # a new run reads the key again
    shutil.rmtree(cache_folder(course))
    rc, doc, warning = verify(capsys)
    assert (rc, outcome(doc)) == (1, ("REFUTED", False))
    assert "not used" in warning and not entries(cache_folder(course))


@pytest.mark.parametrize("setup", ["config-is-a-file", "short-env-key"])
def test_no_key_means_no_cache_and_a_correct_run(course, capsys, monkeypatch, setup):
    if setup == "config-is-a-file":
        blocker = course.parent / "config"
        blocker.write_text("not a folder")
    else:
        monkeypatch.setenv(cache_signing.ENV_KEY, "short")
    write_catalog(course, FALSE)
    for _ in range(2):
        rc, doc, warning = verify(capsys)
        assert (rc, outcome(doc)) == (1, ("REFUTED", False))
        assert "not used" in warning
    assert not entries(cache_folder(course))
    assert not list(cache_folder(course).glob("catalog-*.json"))


def _key_made_by_one_of_many(path: str) -> bytes:
    return cache_signing._read_or_create(Path(path))


def test_processes_making_the_key_at_once_agree_on_it(tmp_path):
    path = tmp_path / "config" / "bpcheck" / "key"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        keys = pool.map(_key_made_by_one_of_many, [str(path)] * 8)
    assert len(set(keys)) == 1 and keys[0] == path.read_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left


# ---- the pytest plugin -------------------------------------------------------------------

def test_plugin_ignores_a_forged_verdict_and_says_so(pytester, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(pytester.path / "config"))
    monkeypatch.delenv(cache_signing.ENV_KEY, raising=False)
    pytester.makefile(".toml", **{"derivations/claims": FALSE})
    pytester.runpytest("--bpcheck", "-p", "no:cacheprovider").assert_outcomes(failed=1)
    [path] = entries(pytester.path / ".bpcheck_cache")
    forge(path, make_verified)
    again = pytester.runpytest("--bpcheck", "-p", "no:cacheprovider")
    again.assert_outcomes(failed=1)
    warning = [ln for ln in again.stdout.lines if ln.startswith("bpcheck: warning:")]
    assert len(warning) == 1 and rejected(warning[0], 1, pytester.path)
