"""The pytest plugin under pytest-xdist: `pytest --bpcheck -n 2` collects the same claim
items as a run in one process and gives each the same outcome (each worker loads the
catalog itself; the result cache is shared through atomic writes)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("xdist", reason="pytest-xdist is not installed (pip install .[test])")

from test_plugin import CLAIMS  # noqa: E402  (a small catalog: passes, a failure, an xfail)

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]
NOTE = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n\n"
        "$$ \\delta^{(L)} = (a^{(L)} - y) \\odot \\sigma'(z^{(L)}) $$\n\n"
        "$$ \\delta^{(L)} = (y - a^{(L)}) \\odot \\sigma'(z^{(L)}) $$\n")
OUTCOME = re.compile(r"^(PASSED|FAILED|XFAIL|XPASS|ERROR) (\S+)")


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    found = {}
    for line in result.stdout.lines:
        match = OUTCOME.match(line.replace("[gw0] ", "").replace("[gw1] ", ""))
        if match:
            found[match.group(2)] = match.group(1)
    return found


@pytest.mark.slow
def test_xdist_collects_and_decides_the_same_items(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makefile(".toml", **{"derivations/claims": CLAIMS, "derivations/more": CLAIMS
                                  .replace('id = "', 'id = "more-')})
    pytester.makefile(".md", **{"derivations/note": NOTE})
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    base = ("-p", "no:cacheprovider", "-p", "no:benchmark", "--bpcheck", "-rA")
    serial = pytester.runpytest_subprocess(*base, "-p", "no:xdist", timeout=240)
    parallel = pytester.runpytest_subprocess(*base, "-n", "2", timeout=240)
    expected = outcomes(serial)
    assert len(expected) == 11 and sum(v == "FAILED" for v in expected.values()) == 3
    assert outcomes(parallel) == expected
    assert "2 workers" in parallel.stdout.str()
    cache = pytester.path / ".bpcheck_cache"
    assert (cache / ".gitignore").is_file() and (cache / "CACHEDIR.TAG").is_file()
    again = pytester.runpytest_subprocess(*base, "-n", "2", timeout=240)  # from the cache
    assert outcomes(again) == expected
