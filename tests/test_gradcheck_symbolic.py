"""gradcheck's third source of truth (bpcheck's symbolic gradient) and its report files."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from bpcheck.gradcheck import symbolic as gradcheck_symbolic
from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import Architecture, gradcheck, gradcheck_arrays
from bpcheck.gradcheck.symbolic import (MAX_COST, SYMBOLIC_ACTIVATIONS, cost, network_setting,
                                        unsupported)
from bpcheck.reference.network import ACTIVATIONS as REF_ACTIVATIONS
from bpcheck.reference.network import MLP, Params

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ADAPTER = str(EXAMPLES / "course_net.toml")
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]
MAPPING = {n: f"{n[0]}[{n[1]}]" for n in NAMES}


def load_example(stem: str):
    spec = importlib.util.spec_from_file_location(f"symbolic_example_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course_net = load_example("course_net")
course_net_buggy = load_example("course_net_buggy")


def data(batch: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, batch)), rng.uniform(0.0, 1.0, (1, batch))


def check(model, x, y, activations=("sigmoid",) * 3, **arch_kw):
    arch = Architecture((2, 3, 3, 1), activations, "mse_half", x, y, MAPPING, **arch_kw)
    return gradcheck(model, NAMES, lambda m: m.loss(x, y), lambda m: m.backward(x, y), architecture=arch)


# --- the course example --------------------------------------------------------------------------


def test_symbolic_gradient_agrees_on_the_correct_example():
    x, y = data()
    report = check(course_net.CourseNet(seed=0), x, y)
    assert report.passed
    assert abs(report.symbolic_loss - report.loss) < 1e-12
    for p in report.params:
        assert p.symbolic is not None and p.symbolic.passed, p.name
        assert p.symbolic.max_abs_err < 1e-12 and p.symbolic.against == "symbolic"
        assert p.comparisons[-1] is p.symbolic
    assert "compared with finite differences, reference, symbolic" in report.format_text()
    doc = report.to_dict()
    assert doc["symbolic_loss"] == report.symbolic_loss and doc["params"][0]["symbolic"]["passed"]


def buggy(name: str, transform):
    class Buggy(course_net.CourseNet):
        def backward(self, X, Y):
            grads = super().backward(X, Y)
            grads[name] = transform(grads[name])
            return grads

    return Buggy(seed=0)


BUGS = {
    "missing activation derivative (b2)": ("b2", lambda: course_net_buggy.CourseNet(seed=0)),
    "transposed square W2": ("W2", lambda: buggy("W2", lambda g: g.T)),
    "transposed W1 (shape swapped)": ("W1", lambda: buggy("W1", lambda g: g.T)),
    "flipped sign": ("W3", lambda: buggy("W3", lambda g: -g)),
    "factor of 2": ("b1", lambda: buggy("b1", lambda g: 2 * g)),
}


@pytest.mark.parametrize("bug", list(BUGS))
def test_each_planted_bug_is_also_caught_by_the_symbolic_comparison(bug):
    name, make = BUGS[bug]
    x, y = data()
    report = check(make(), x, y)
    assert report.failed == (name,)
    wrong = report[name]
    assert not wrong.symbolic.passed and not wrong.reference.passed and not wrong.finite_diff.passed
    assert wrong.symbolic.max_abs_err > 1e-3
    assert all(p.symbolic.passed for p in report.params if p.name != name)
    assert "vs symbolic: FAIL" in report.format_text()


def test_a_disagreement_of_the_symbolic_side_alone_is_not_blamed_on_the_code(monkeypatch):
    real = gradcheck_symbolic.symbolic_gradients

    def off_by_one(*args, **kw):
        result = real(*args, **kw)
        result.grads["W3"] = result.grads["W3"] + 1.0
        return result

    monkeypatch.setattr(gradcheck_symbolic, "symbolic_gradients", off_by_one)
    x, y = data()
    report = check(course_net.CourseNet(seed=0), x, y)
    assert report.failed == ("W3",)
    assert report["W3"].finite_diff.passed and report["W3"].reference.passed
    assert "disagreement inside bpcheck" in report["W3"].suspected_cause


# --- declared networks of every shape the symbolic side maps --------------------------------------


def reference_user(widths, acts, loss, reduction, x, y, biases=True, seed=1):
    """A 'user' whose loss and gradients are the NumPy reference's: finite differences and the
    reference agree by construction, so the symbolic comparison is what is being tested."""
    net = MLP(widths, acts, loss, reduction)
    init = net.init_params(np.random.default_rng(seed))
    depth = len(widths) - 1
    params = {f"W{l}": init.W[l].copy() for l in range(1, depth + 1)}
    if biases:
        params |= {f"b{l}": init.b[l].copy() for l in range(1, depth + 1)}

    def as_params(p):
        zero = [np.zeros(n) for n in widths]
        return Params((None, *[p[f"W{l}"] for l in range(1, depth + 1)]),
                      (None, *[p.get(f"b{l}", zero[l]) for l in range(1, depth + 1)]))

    def grads(p):
        g = net.backward(as_params(p), x, y)
        return {n: (g.dW if n[0] == "W" else g.db)[int(n[1:])] for n in p}

    mapping = {n: f"{n[0]}[{n[1:]}]" for n in params}
    arch = Architecture(widths, acts, loss, x, y, mapping, reduction)
    return (lambda p: net.loss_value(as_params(p), x, y)), params, grads, arch


def _xy(n_in, n_out, batch, target="uniform", seed=2):
    rng = np.random.default_rng(seed)
    cols = max(batch, 1)
    x = rng.standard_normal((n_in, cols))
    y = (np.eye(n_out)[:, rng.integers(n_out, size=cols)] if target == "onehot"
         else rng.uniform(0.1, 0.9, (n_out, cols)))
    return (x[:, 0], y[:, 0]) if batch == 0 else (x, y)


NETWORKS = {
    "mse_mean, sum over 3 samples": ((2, 2, 1), ("tanh", "identity"), "mse_mean", "sum", 3, "uniform"),
    "mse_mean, mean over 3 samples": ((2, 2, 2), ("sigmoid", "sigmoid"), "mse_mean", "mean", 3, "uniform"),
    "mse_half, mean, one 1-D sample": ((3, 2, 2), ("relu", "sigmoid"), "mse_half", "mean", 0, "uniform"),
    "binary cross-entropy": ((2, 2, 1), ("tanh", "sigmoid"), "binary_cross_entropy", "sum", 2, "uniform"),
    "softmax cross-entropy": ((2, 3, 3), ("sigmoid", "softmax"), "cross_entropy", "mean", 2, "onehot"),
}


@pytest.mark.parametrize("case", list(NETWORKS))
def test_symbolic_gradient_matches_the_reference_for_each_loss_and_layout(case):
    widths, acts, loss, reduction, batch, target = NETWORKS[case]
    x, y = _xy(widths[0], widths[-1], batch, target)
    loss_fn, params, grads, arch = reference_user(widths, acts, loss, reduction, x, y)
    report = gradcheck_arrays(loss_fn, params, grads, architecture=arch)
    assert report.passed, report.format_text()
    assert abs(report.symbolic_loss - report.loss) <= 1e-12 * max(1.0, abs(report.loss))
    assert all(p.symbolic is not None and p.symbolic.max_rel_err < 1e-9 for p in report.params)
    assert not report.notes


def test_unmapped_biases_are_zero_on_the_symbolic_side_too():
    x, y = _xy(2, 1, 2)
    loss_fn, params, grads, arch = reference_user((2, 3, 1), ("tanh", "sigmoid"), "mse_half", "sum", x, y,
                                                  biases=False)
    report = gradcheck_arrays(loss_fn, params, grads, architecture=arch)
    assert report.passed and [p.symbolic.passed for p in report.params] == [True, True]


def test_transposed_storage_maps_back():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 3)), np.eye(4)[rng.integers(4, size=6)]
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}

    def probs(p):
        Z = X @ p["W"] + p["b"]
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    def grads(p):
        D = (probs(p) - Y) / len(X)
        return [X.T @ D, D.sum(axis=0)]

    arch = Architecture((3, 4), ("softmax",), "cross_entropy", X.T, Y.T, {"W": "W[1].T", "b": "b[1]"}, "mean")
    report = gradcheck_arrays(lambda p: -np.sum(Y * np.log(probs(p))) / len(X), params, grads, architecture=arch)
    assert report.passed and report["W"].symbolic.max_rel_err < 1e-9
    wrong = gradcheck_arrays(lambda p: -np.sum(Y * np.log(probs(p))) / len(X), params,
                             lambda p: [2 * grads(p)[0], grads(p)[1]], architecture=arch)
    assert wrong.failed == ("W",) and not wrong["W"].symbolic.passed


# --- what is skipped, and why --------------------------------------------------------------------


def test_mixed_hidden_activations_are_skipped_with_a_note():
    x, y = _xy(2, 1, 2)
    loss_fn, params, grads, arch = reference_user((2, 2, 2, 1), ("tanh", "sigmoid", "identity"),
                                                  "mse_half", "sum", x, y)
    report = gradcheck_arrays(loss_fn, params, grads, architecture=arch)
    assert report.passed and report.symbolic_loss is None
    assert all(p.symbolic is None and p.reference.passed for p in report.params)
    assert any("one activation for every hidden layer" in n and "tanh, sigmoid" in n for n in report.notes)
    assert "compared with finite differences, reference\n" in report.format_text()
    assert report.to_dict()["params"][0]["symbolic"] is None


def test_large_networks_are_skipped_unless_forced_and_symbolic_false_turns_it_off():
    x, y = _xy(3, 2, 4)
    big = Architecture((3, 5, 5, 2), ("tanh",) * 3, "mse_half", x, y, {})
    assert cost(big) > MAX_COST and "too large" in unsupported(big)
    forced = Architecture((3, 5, 5, 2), ("tanh",) * 3, "mse_half", x, y, {}, symbolic=True)
    assert unsupported(forced) is None
    small = Architecture((2, 3, 3, 1), ("sigmoid",) * 3, "mse_half", *data(), MAPPING)
    assert cost(small) <= MAX_COST and unsupported(small) is None
    x, y = data()
    report = check(course_net.CourseNet(seed=0), x, y, symbolic=False)
    assert report.passed and all(p.symbolic is None for p in report.params)
    assert any("symbolic comparison off" in n for n in report.notes)


def test_symbolic_activations_and_settings_match_bpcheck():
    from bpcheck.symbolic.build import build_world
    from bpcheck.symbolic.world import ACTIVATIONS as SYM_ACTIVATIONS

    assert set(SYMBOLIC_ACTIVATIONS) == set(SYM_ACTIVATIONS) == set(REF_ACTIVATIONS)
    x, y = data()
    setting, scale = network_setting(Architecture((2, 3, 3, 1), ("tanh", "tanh", "identity"), "mse_mean",
                                                  x, y, MAPPING, "sum"))
    assert (setting.kind, setting.get("activation"), setting.get("output"), setting.get("batch")) == \
        ("network", "tanh", "identity", 4)
    assert setting.get("loss") == "mse_mean" and scale == 4.0
    assert build_world(setting).network["widths"] == [2, 3, 3, 1]


PROBE = """
import sys
import numpy as np
import bpcheck.gradcheck.check as g
assert "sympy" not in sys.modules, "import"
x = np.array([[0.5, -1.0]]); y = np.array([[0.2, 0.7]])
params = {"W1": np.array([[0.3]]), "W2": np.array([[-0.4]]), "W3": np.array([[0.8]])}
def loss(p):
    a = x
    for k, f in (("W1", np.tanh), ("W2", lambda z: 1 / (1 + np.exp(-z))), ("W3", lambda z: z)):
        a = f(p[k] @ a)
    return 0.5 * float(np.sum((a - y) ** 2))
def grads(p):
    out = {}
    for k in p:
        e = np.zeros_like(p[k]); e[0, 0] = 1e-6
        q = dict(p); q[k] = p[k] + e; hi = loss(q); q[k] = p[k] - e; lo = loss(q)
        out[k] = np.array([[(hi - lo) / 2e-6]])
    return out
g.gradcheck_arrays(loss, params, grads, rtol=1e-4, atol=1e-6)
assert "sympy" not in sys.modules, "no architecture"
mapping = {"W1": "W[1]", "W2": "W[2]", "W3": "W[3]"}
arch = g.Architecture((1, 1, 1, 1), ("tanh", "sigmoid", "identity"), "mse_half", x, y, mapping)
r = g.gradcheck_arrays(loss, params, grads, architecture=arch, rtol=1e-4, atol=1e-6)
assert r.passed and "sympy" not in sys.modules, "inexpressible architecture"
arch = g.Architecture((1, 1, 1, 1), ("tanh", "tanh", "identity"), "mse_half", x, y, mapping)
g.gradcheck_arrays(loss, params, grads, architecture=arch, rtol=1e-4, atol=1e-6)
assert "sympy" in sys.modules, "the symbolic comparison did run"
print("ok")
"""


def test_sympy_is_imported_only_when_the_symbolic_comparison_runs():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


# --- report files --------------------------------------------------------------------------------


def run_cli(capsys, *argv):
    code = gradcheck_main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("stem, status", [("course_net", 0), ("course_net_buggy", 1)])
def test_report_files_are_written_deterministic_and_parse(capsys, tmp_path, stem, status):
    target = f"{EXAMPLES / stem}.py:CourseNet"
    argv = [target, "--adapter", ADAPTER, "--report", "md", "--report", "html"]
    code, _, err = run_cli(capsys, *argv, "--out", str(tmp_path / "a"))
    assert code == status
    md, html = tmp_path / "a" / f"gradcheck-{stem}.md", tmp_path / "a" / f"gradcheck-{stem}.html"
    assert f"wrote {md}" in err and f"wrote {html}" in err
    code, _, _ = run_cli(capsys, *argv, "--out", str(tmp_path / "b"), "--format", "json")
    assert code == status
    for f in (md, html):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# gradcheck: ") and "| vs finite differences | vs reference | vs symbolic |" in text
    root = ET.fromstring(html.read_text(encoding="utf-8"))  # well-formed: every tag balanced
    body_text = "".join(root.itertext())
    assert root.tag == "html" and "<script" not in html.read_text() and "http://" not in html.read_text()
    if status:
        assert "| `b2` | 3×1 | **FAIL** | **FAIL** | **FAIL** | **FAIL** |" in text
        assert "Worst entries of `b2`" in text and "missing activation derivative" in text
        assert "FAIL: 1 of 6 parameter gradients wrong (b2)" in body_text
    else:
        assert "**PASS: all 6 parameter gradients agree**" in text and "PASS: all 6" in body_text


def test_report_name_option_and_html_escaping(capsys, tmp_path):
    code, _, _ = run_cli(capsys, f"{EXAMPLES / 'course_net.py'}:CourseNet", "--adapter", ADAPTER,
                         "--report", "html", "--out", str(tmp_path), "--name", "demo")
    assert code == 0 and [p.name for p in tmp_path.iterdir()] == ["gradcheck-demo.html"]
    x, y = data()
    report = check(course_net_buggy.CourseNet(seed=0), x, y)
    page = report.to_html("<script>alert(1)</script> & more", [("target", "a<b>.py:C")])
    root = ET.fromstring(page)
    assert "<script>alert" not in page and root.find("head/title").text.startswith("<script>")


def test_shipped_example_reports_are_present_and_well_formed():
    for stem, verdict in (("course_net", "PASS: all 6"), ("course_net_buggy", "FAIL: 1 of 6")):
        md = (ROOT / "reports" / f"gradcheck-{stem}.md").read_text(encoding="utf-8")
        assert verdict in md and "vs symbolic" in md
        ET.fromstring((ROOT / "reports" / f"gradcheck-{stem}.html").read_text(encoding="utf-8"))


def test_adapter_symbolic_key(capsys, tmp_path):
    text = Path(ADAPTER).read_text().replace('reduction = "sum"\n', 'reduction = "sum"\nsymbolic = false\n')
    off = tmp_path / "off.toml"
    off.write_text(text)
    code, out, _ = run_cli(capsys, f"{EXAMPLES / 'course_net.py'}:CourseNet", "--adapter", str(off),
                           "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["symbolic_loss"] is None and doc["params"][0]["symbolic"] is None
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("symbolic = false", 'symbolic = "no"'))
    code, _, err = run_cli(capsys, f"{EXAMPLES / 'course_net.py'}:CourseNet", "--adapter", str(bad))
    assert code == 2 and "symbolic should be a boolean" in err
