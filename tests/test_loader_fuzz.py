"""Fuzzing the loader (issue 16): malformed TOML, deep nesting, huge numbers, dates,
wrong types and a 10 MB file, through load_catalog, `bpcheck verify` in-process and
once as a subprocess.  No traceback, no hang, every error `file:line: message`."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from bpcheck.catalog.files import load_catalog
from bpcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = ('[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n\n[[claim]]\nid = "good"\n'
        'source = "t"\nsetting = "s"\nquantity = "diff(x**2, x)"\nformula = "2*x"\n')
ERROR_LINE = re.compile(r"^.+\.toml:\d+: .+")

# values TOML can hold, of every type and size, some of them hostile
VALUES = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.floats(allow_nan=True).map(lambda v: repr(v).replace("inf", "inf").replace("nan", "nan")),
    st.sampled_from(["1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "true", "[]", "{}",
                     '"1..n-1"', '"x"', '"pi"', '"2*x + 1e-400"', '"exp("', '"__import__"',
                     "1" * 5000, "[" * 2000 + "]" * 2000, "{a=" * 600 + "1" + "}" * 600,
                     '"' + "-" * 3000 + 'x"', '"' + "x + " * 3000 + 'x"', "[1, [2, [3]]]",
                     '{ x = "1..3" }', '{ l = "1..L" }', '["x", 1]', '"\\u0000"']),
    st.text(alphabet="xyz0123456789.+-*/()[]{}=\"'e ,\n", max_size=30).map(
        lambda t: '"' + t.replace("\\", "").replace('"', "").replace("\n", " ") + '"'),
)
KEYS = st.sampled_from(["id", "title", "source", "setting", "quantity", "formula", "chain",
                        "expect", "where", "when", "note", "strategy", "corrects", "scope"])
SETTING_KEYS = st.sampled_from(["symbols", "positive", "integers", "vectors", "matrices",
                                "functions", "define", "sample", "indexed", "kind"])


@st.composite
def catalogs(draw) -> str:
    """The good file with a hostile line put into its setting or into a second claim,
    or mangled bytes."""
    how = draw(st.sampled_from(["claim", "setting", "mangle"]))
    if how == "mangle":
        cut = draw(st.integers(0, len(GOOD)))
        junk = draw(st.text(alphabet="[]{}=\"'\n#.,x1", max_size=20))
        return GOOD[:cut] + junk + GOOD[cut:]
    line = f"{draw(KEYS if how == 'claim' else SETTING_KEYS)} = {draw(VALUES)}\n"
    if how == "setting":
        return GOOD.replace('symbols = ["x"]\n', 'symbols = ["x"]\n' + line)
    return GOOD + ('\n[[claim]]\nid = "bad"\nsource = "t"\nsetting = "s"\n'
                   'quantity = "diff(x**2, x)"\n' + line)


def _well_formed(catalog, path: Path) -> None:
    for err in catalog.errors:
        assert err.file == str(path) and err.line >= 1 and ERROR_LINE.match(str(err)), err


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(catalogs())
def test_load_catalog_never_raises(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    catalog = load_catalog([path])
    assert time.perf_counter() - started < 5
    _well_formed(catalog, path)
    cached = load_catalog([path], cache_dir=str(path.parent / "cache"))  # the JSON cache too
    assert [c.id for c in cached.claims] == [c.id for c in catalog.claims]
    again = load_catalog([path], cache_dir=str(path.parent / "cache"))
    assert again.claims == cached.claims


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(catalogs())
def test_verify_reports_file_line_and_exit_2(tmp_path_factory, capsys, text):
    folder = tmp_path_factory.mktemp("cli")
    bad, good = folder / "bad.toml", folder / "good.toml"
    bad.write_text(text, encoding="utf-8")
    good.write_text(GOOD.replace('"good"', '"other"'), encoding="utf-8")
    code = main(["verify", "-v", "--no-cache", "-j", "1", "--timeout", "20", str(bad), str(good)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert "other" in out.out  # the other file's claim is still checked
    errors = [ln for ln in out.err.splitlines() if ln.startswith(str(bad))]
    assert code in (0, 1, 2) and (code == 2 if errors else True)
    assert all(ERROR_LINE.match(ln) for ln in errors)


def test_a_ten_megabyte_file_is_an_error_not_a_hang(tmp_path):
    path = tmp_path / "big.toml"
    formula = "x + " * 2_600_000 + "x"
    path.write_text(GOOD + f'\n[[claim]]\nid = "big"\nsource = "t"\nsetting = "s"\n'
                    f'quantity = "x"\nformula = "{formula}"\n', encoding="utf-8")
    assert path.stat().st_size > 10_000_000
    started = time.perf_counter()
    catalog = load_catalog([path])
    assert time.perf_counter() - started < 10
    assert [c.id for c in catalog.claims] == ["good"]
    [err] = catalog.errors
    assert err.line == 17


def test_the_command_as_a_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD + 'deep = ' + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    deep = tmp_path / "deep.toml"
    deep.write_text(GOOD.replace('"good"', '"g2"').replace('"2*x"', '"2*' + "-" * 3000 + 'x"'),
                    encoding="utf-8")
    ok = tmp_path / "ok.toml"
    ok.write_text(GOOD.replace('"good"', '"g3"'), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify", "-v", "--no-cache",
                          str(bad), str(deep), str(ok)], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                         timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert re.search(rf"^{re.escape(str(bad))}:11: ", run.stderr, re.M)
    assert re.search(rf"^{re.escape(str(deep))}:10: ", run.stderr, re.M)
    assert "g3" in run.stdout and "VERIFIED" in run.stdout
