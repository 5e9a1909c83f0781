"""gradients: ∂F/∂X for every node X from one reverse pass over the definitions.

Each gradient must be the derivative the verifier took before, node by node: F
expanded with X held, differentiated, X's definition put back.  Checked by proof
(the symengine zero test) and by numbers."""
import ast

import numpy as np
import pytest
import sympy as sp

from bpcheck.symbolic import engine
from bpcheck.symbolic import gradients
from bpcheck.symbolic import linalg as la
from bpcheck.symbolic.atoms import Sig
from bpcheck.symbolic.build import build_world
from bpcheck.catalog.files import setting_names
from bpcheck.symbolic.evaluate import Evaluator
from bpcheck.catalog.formula import parse
from bpcheck.model import Setting
from bpcheck.numeric.compare import Screen
from bpcheck.symbolic.zero_test import canonical_derivatives

pytestmark = pytest.mark.skipif(not engine.available(), reason="symengine is not installed")

NETWORKS = [
    (("activation", "sigmoid"), ("loss", "mse_half"), ("widths", (3, 2, 2))),
    (("activation", "relu"), ("loss", "mse_half"), ("widths", (2, 3, 2))),
    (("activation", "tanh"), ("output", "softmax"), ("loss", "cross_entropy"),
     ("widths", (3, 2, 3))),
    (("activation", "sigmoid"), ("output", "softmax"), ("loss", "cross_entropy"),
     ("target", "onehot"), ("batch", 2), ("reduction", "mean"), ("widths", (2, 2, 2))),
    (("activation", "sigmoid"), ("loss", "generic"), ("widths", (2, 2, 2))),
]


def _by_expansion(world, f_name, x_name):
    """The derivative as the verifier takes it for any F: F with X held, X put back."""
    node = world.nodes[x_name]
    held = la.unit(world.expand(f_name, x_name))
    row = la.partials([held], la.entries(node.sym))[0]
    if node.defn is not None:
        back = dict(zip(la.entries(node.sym), la.entries(world.expand(x_name))))
        row = [d.xreplace(back) for d in row]
    return [canonical_derivatives(d) if world.undefined else d for d in row]


@pytest.mark.parametrize("params", NETWORKS, ids=lambda p: "-".join(str(v[1]) for v in p[:3]))
def test_every_gradient_is_the_derivative_taken_node_by_node(params):
    world = build_world(Setting("g", "network", params))
    screen = Screen(world, seed=4, n=6)
    # intermediates first, then leaves, then intermediates again: the substitution memo
    # grows as gradients name more nodes, and what it kept must not go stale
    names = sorted(world.nodes, key=lambda n: world.nodes[n].defn is None)
    for name in names + names[:3]:
        got = gradients.gradient(world, "J", name)
        want = _by_expansion(world, "J", name)
        assert got is not None and len(got) == len(want)
        for g, w in zip(got, want):
            assert engine.equal(g, w), (name, g, w)
        values = screen.values(got + want)
        if values is not None:
            half = len(got)
            np.testing.assert_allclose(values[:, :half], values[:, half:], rtol=1e-9, atol=1e-12)


def test_a_node_the_loss_does_not_depend_on_has_a_zero_gradient():
    setting = Setting("g", "scalar", (("symbols", ("u", "v")),
                                      ("define", (("E", "u ** 2"), ("D", "v ** 3")))))
    world = build_world(setting)
    assert gradients.gradient(world, "E", "v") == [0]
    assert gradients.gradient(world, "E", "u") == [2 * sp.Symbol("u")]


def test_a_definition_using_a_node_it_does_not_list_is_left_to_the_expansion():
    world = build_world(Setting("g", "network", NETWORKS[0]))
    j = world.nodes["J"]
    stray = next(n for n in world.nodes if n.startswith("z") or "z" in n)
    extra = la.entries(world.nodes[stray].sym)[0]
    world.add_def("J", j.sym, j.defn + extra, j.parents)  # uses z without listing it
    world.diff_memo.clear()
    assert gradients.gradient(world, "J", "x") is None


def test_the_evaluator_takes_the_loss_gradient_from_the_reverse_pass(monkeypatch):
    setting = Setting("g", "network", NETWORKS[0])
    world = build_world(setting)
    names = setting_names(setting)
    asked = []
    real = gradients.gradient

    def spy(w, f, x):
        asked.append((f, x))
        return real(w, f, x)
    monkeypatch.setattr("bpcheck.symbolic.evaluate.gradient", spy)
    ev = Evaluator(world, {})
    for text, target in [("diff(J, W[1])", "W[1]"), ("diff(J, z[1])", "z[1]"),
                         ("diff(J, W[2][1, 2])", "W[2][1, 2]")]:
        value = ev.eval(parse(text, names).tree)
        node, entry = ev.reference(ast.parse(target, mode="eval").body)
        want = _by_expansion(world, "J", node)
        sym = world.nodes[node].sym
        got = [value] if entry is not None else la.entries(value)
        if entry is not None:
            want = [want[entry[0] * sym.cols + entry[1]]]
        assert len(got) == len(want) and all(engine.equal(g, w) for g, w in zip(got, want))
    assert [f for f, _ in asked] == ["J", "J", "J"]
    before = len(asked)
    ev.eval(parse("diff(a[2], z[2])", names).tree)  # not a scalar quantity: the expansion
    assert len(asked) == before


# ---- the finite-difference check recomputes F from its definitions -------------------

@pytest.mark.parametrize("params", NETWORKS, ids=lambda p: "-".join(str(v[1]) for v in p[:3]))
def test_forward_differences_match_differences_of_f_written_out(params, monkeypatch):
    """Perturbing X and recomputing what follows it from the definitions gives the
    finite differences of F expanded with X held (the same points, the same numbers)."""
    from bpcheck.numeric import threeway
    from bpcheck.symbolic.build import onehot_subs
    from bpcheck.model import Options
    world = build_world(Setting("g", "network", params))
    names = setting_names(world.setting)
    case = world.cases[-1]
    for x in ("W[1]", "z[1]", "a[1]", "b[2]"):
        tree = parse(f"diff(J, {x})", names).tree
        value = Evaluator(world, {}).eval(tree)
        value = value.xreplace(onehot_subs(world, case)) if onehot_subs(world, case) else value
        for kinked in (False, True):
            world.fd_memo.clear()
            forward = threeway._finite_differences(world, tree, value, case, Options(), kinked)
            with monkeypatch.context() as m:
                m.setattr(threeway, "_quantity", lambda *a: None)
                world.fd_memo.clear()
                written = threeway._finite_differences(world, tree, value, case, Options(),
                                                       kinked)
            assert forward[0] and written[0], (x, forward, written)  # both agree with algebra
            assert forward[1] == pytest.approx(written[1], rel=1e-3, abs=1e-12)


def test_definitions_symengine_cannot_hold_take_the_sympy_pass():
    """Positive symbols (symengine takes plain symbols only) and a piecewise definition:
    the reverse pass runs in SymPy and still gives the derivative of the expansion."""
    setting = Setting("g", "scalar", (("symbols", ("u",)), ("positive", ("v",)),
                                      ("define", (("h", "piecewise((u * v, u > 0), (u ** 2, True))"),
                                                  ("E", "h ** 2 + v * h")))))
    world = build_world(setting)
    for x in ("u", "v", "h"):
        got = gradients.gradient(world, "E", x)
        want = _by_expansion(world, "E", x)
        assert got is not None and len(got) == len(want) == 1
        assert sp.simplify(got[0] - want[0]) == 0, (x, got, want)


@pytest.mark.parametrize("formula, by", [("h ** 2 * v", "h"), ("h ** 2 * v", "v"),
                                         ("u * h + sigmoid(h)", "h")])
@pytest.mark.parametrize("definition", ["u * v + 1", "piecewise((u * v, u > 0), (u ** 2, True))"])
def test_a_derivative_by_an_intermediate_puts_its_definition_back(formula, by, definition):
    """diff(F, X) for F not a node: X held, differentiated, X's definition put back; in
    symengine for a plain definition, in SymPy for one it cannot hold (a piecewise)."""
    setting = Setting("g", "scalar", (("symbols", ("u", "v")),
                                      ("define", (("h", definition),))))
    world = build_world(setting)
    in_engine = []
    real = gradients.engine_expansion
    with pytest.MonkeyPatch.context() as m:  # which way the definition went back in
        m.setattr("bpcheck.symbolic.evaluate.engine_expansion",
                  lambda world, target, stop: in_engine.append(target) or real(world, target, stop))
        got = Evaluator(world, {}).eval(ast.parse(f"diff({formula}, {by})", mode="eval"))
        if by == "h":  # tried in symengine; a piecewise is put back by SymPy instead
            assert in_engine == ["h"]
            assert ("piecewise" in definition) == got.has(sp.Piecewise)
    h, u, v = sp.symbols("h u v")
    held = sp.sympify(formula, locals={"h": h, "u": u, "v": v, "sigmoid": Sig})
    value = world.expand("h")
    want = (sp.diff(held, h).xreplace({h: value}) if by == "h"
            else sp.diff(held.xreplace({h: value}), v))
    assert sp.simplify((got - want).rewrite(sp.exp)) == 0, (got, want)
