import subprocess
import sys

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Expect

from conftest import claim_toml


def test_loads_claims_with_lines(write_catalog):
    path = write_catalog(claim_toml("a", "scalar", "diff(x**2, x)", "2*x")
                         + claim_toml("b", "net", "diff(J, z[L])", "a[L] - y",
                                      expect='"erratum"'))
    cat = load_catalog([path])
    assert cat.errors == ()
    assert [c.id for c in cat.claims] == ["a", "b"]
    lines = path.read_text().splitlines()
    assert all(lines[c.line - 1] == "[[claim]]" for c in cat.claims)
    assert cat.claims[1].expect is Expect.ERRATUM
    assert cat.claims[0].sides == ("diff(x**2, x)", "2*x")


def test_bad_claim_reported_at_its_line_and_others_kept(write_catalog, tmp_path):
    marker = tmp_path / "pwned"
    bad = f"__import__('os').system('touch {marker}')"
    path = write_catalog(claim_toml("good", "scalar", "diff(x**2, x)", "2*x")
                         + claim_toml("evil", "scalar", "x", bad))
    cat = load_catalog([path])
    assert [c.id for c in cat.claims] == ["good"]
    (err,) = cat.errors
    assert err.file == str(path)
    assert path.read_text().splitlines()[err.line - 1].startswith("formula")
    assert not marker.exists()


def test_invalid_toml_names_its_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[document]\ntitle = "x"\n\n[[claim]]\nid = "a\n', encoding="utf-8")
    (err,) = load_catalog([path]).errors
    assert err.line == 5


def test_unknown_setting_and_keys(write_catalog):
    path = write_catalog(claim_toml("a", "nope", "x", "x") + claim_toml("b", "scalar", "x", "x",
                                                                        colour='"red"'))
    errs = load_catalog([path]).errors
    assert len(errs) == 2
    assert "nope" in errs[0].message and "colour" in errs[1].message


def test_duplicate_ids(write_catalog):
    path = write_catalog(claim_toml("a", "scalar", "x", "x") * 2)
    assert any("duplicate" in e.message for e in load_catalog([path]).errors)


def test_cli_exit_2_without_traceback(write_catalog, tmp_path):
    marker = tmp_path / "pwned"
    path = write_catalog(claim_toml("good", "scalar", "diff(x**2, x)", "2*x")
                         + claim_toml("evil", "scalar", "x",
                                      f"__import__('os').system('touch {marker}')"))
    proc = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify", "-v", str(path), "--no-cache"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"{path}:" in proc.stderr
    assert "good" in proc.stdout  # the other claim was still checked
    assert not marker.exists()


def test_cli_missing_path_is_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify", "nowhere"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_list_does_not_import_sympy(write_catalog):
    path = write_catalog(claim_toml("a", "scalar", "diff(x**2, x)", "2*x"))
    code = ("import sys, bpcheck.cli as c; rc = c.main(['list', %r]);"
            "assert 'sympy' not in sys.modules, 'sympy imported'; sys.exit(rc)" % str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
