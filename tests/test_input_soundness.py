"""Formula input: numbers exactly as written, size limits, and bad TOML values as
file:line load errors (issue 16).  The oracle for exactness is Python's Fraction
of the literal's text, never bpcheck's own reading."""
from __future__ import annotations

import ast
from fractions import Fraction

import pytest

from bpcheck.catalog import schema
from bpcheck.catalog.files import load_catalog
from bpcheck.catalog.formula import FormulaError, parse
from bpcheck.catalog.literals import MAX_DEPTH
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Kind

SCALAR = '[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n'


def claim(cid: str, formula: str, quantity: str = "diff(x**2, x)", **extra: str) -> str:
    lines = ["[[claim]]", f'id = "{cid}"', 'source = "t"', 'setting = "s"',
             f'quantity = "{quantity}"', f'formula = "{formula}"']
    return "\n".join(lines + [f"{k} = {v}" for k, v in extra.items()]) + "\n"


def load(tmp_path, body: str, header: str = SCALAR):
    path = tmp_path / "c.toml"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return load_catalog([path])


def value_of(text: str) -> Fraction:
    """The tree's number by exact integer arithmetic (an independent reading)."""
    def ev(n):
        if isinstance(n, ast.Constant):
            return Fraction(repr(n.value)) if isinstance(n.value, float) else Fraction(n.value)
        if isinstance(n, ast.UnaryOp):
            return -ev(n.operand)
        ops = {ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
               ast.Pow: lambda a, b: a ** int(b)}
        return ops[type(n.op)](ev(n.left), ev(n.right))
    return ev(parse(text, set()).tree.body)


@pytest.mark.parametrize("text", ["0.1", "2.0000000000000001", "1e-400", "1e400", "1.5e-400",
                                  "3.14159265358979323846", "1_000.000_1", "0.5", "1e-3",
                                  "123456789012345678901234567890.5"])
def test_a_number_is_its_text(text):
    assert value_of(text) == Fraction(text.replace("_", ""))


@pytest.mark.parametrize("text", ["0.5", "2", "1e-3", "0.2447", "x / 0.1"])
def test_ordinary_numbers_are_kept_as_written(text):
    assert ast.unparse(parse(text, {"x"}).tree) == ast.unparse(ast.parse(text, mode="eval"))


@pytest.mark.parametrize("formula, kind", [
    ("2.0000000000000001*x", None), ("2*x + 1e-400", None), ("x*(2 + 1e-400)", None),
    ("2*x + 1e400 - 1e400", Kind.VERIFIED), ("2*x*1e400/1e400", Kind.VERIFIED),
    ("2.000000000000000000000*x", Kind.VERIFIED), ("x*1e-400*2e400", Kind.VERIFIED),
])
def test_numbers_beyond_float64_decide_exactly(tmp_path, formula, kind):
    cat = load(tmp_path, claim("c", formula))
    assert not cat.errors
    verdict = verify_claim(cat.claims[0])
    if kind is None:  # false by 1e-16 or 1e-400: never VERIFIED by rounding
        assert verdict.kind is not Kind.VERIFIED and verdict.kind is not Kind.ERROR
    else:
        assert verdict.kind is kind


def test_a_true_two_hundred_term_sum_is_verified(tmp_path):
    cat = load(tmp_path, claim("c", " + ".join(["2*x/200"] * 200)))
    assert not cat.errors and verify_claim(cat.claims[0]).kind is Kind.VERIFIED


@pytest.mark.parametrize("formula", [
    "2*" + "-" * 3000 + "x", "2*x" + " + x - x" * 1000, "2*x" + "**1" * 400,
    "2*x + " + "1" * 100_001, "2*x + 0x" + "f" * 5000, "x" + " + x" * 300_000,
    "2*x + 1e100000", "2*x + 1." + "1" * 2000, "2*" + "(" * 300 + "x" + ")" * 300,
])
def test_huge_or_deep_formulas_are_load_errors(tmp_path, formula):
    cat = load(tmp_path, claim("c", formula))
    assert not cat.claims
    [err] = cat.errors
    assert err.line == 10 and len(err.message) < 400


def test_the_depth_limit_is_what_the_evaluator_handles():
    parse("-" * (MAX_DEPTH - 10) + "x", {"x"})
    with pytest.raises(FormulaError):
        parse("-" * (MAX_DEPTH + 10) + "x", {"x"})


@pytest.mark.parametrize("extra, line", [
    ({"when": "5"}, 11), ({"title": "2024-01-01"}, 11), ({"note": "[1, 2]"}, 11),
    ({"where": '{ x = "1..3" }'}, 11), ({"where": '{ pi = "1..3" }'}, 11),
    ({"where": '{ e = "1..3" }'}, 11), ({"where": '{ exp = "1..3" }'}, 11),
    ({"where": '{ k = "1..3" }', "strategy": '"banana"'}, 12),
])
def test_bad_claim_values_are_load_errors(tmp_path, extra, line):
    body = claim("bad", "2*x", **extra) + "\n" + claim("good", "2*x")
    cat = load(tmp_path, body)
    assert [c.id for c in cat.claims] == ["good"]
    [err] = cat.errors
    assert (err.file, err.line) == (str(tmp_path / "c.toml"), line)


def test_where_cannot_hide_the_depth_symbol(tmp_path):
    header = '[setting.s]\nkind = "network"\nwidths = [2, 2]\n'
    body = claim("bad", "delta[l]", "diff(J, b[l])", where='{ L = "1..2", l = "1..L" }')
    cat = load(tmp_path, body, header)
    assert not cat.claims and len(cat.errors) == 1 and "'L'" in cat.errors[0].message


EVERY_SIZE = '[setting.s]\nkind = "scalar"\nintegers = ["i", "n"]\nindexed = ["z"]\n'


@pytest.mark.parametrize("where", ['{ i = "1..n/2" }', '{ q = "1..n" }', '{ i = "1..2*n" }',
                                   '{ i = "1..x-1" }'])
def test_every_size_ranges_it_cannot_read_are_load_errors(tmp_path, where):
    body = claim("bad", "z[i]", "z[i]", strategy='"indexed"', where=where)
    cat = load(tmp_path, body, EVERY_SIZE)
    assert not cat.claims and cat.errors[0].line == 13


def test_the_every_size_form_it_reads_still_loads(tmp_path):
    body = claim("ok", "z[i]", "z[i]", strategy='"indexed"', where='{ i = "1..n" }')
    cat = load(tmp_path, body, EVERY_SIZE)
    assert not cat.errors and verify_claim(cat.claims[0]).kind is Kind.VERIFIED


@pytest.mark.parametrize("setting_line, key_line", [
    ('symbols = "x"', 3), ("symbols = [1]", 3), ('vectors = { z = "3" }', 4),
    ("sample = { x = [3.0, 1.0] }", 4), ('define = { a = "exp(" }', 4),
    ('define = { a = "y + 1" }', 4), ("functions = [2024-01-01]", 4),
])
def test_bad_setting_values_are_load_errors(tmp_path, setting_line, key_line):
    header = f'[setting.s]\nkind = "scalar"\n{setting_line}\n' if "symbols" in setting_line \
        else f'[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n{setting_line}\n'
    cat = load(tmp_path, claim("c", "2*x"), header)
    assert not cat.claims
    assert cat.errors[0].line == key_line


def test_network_choices_are_checked_while_loading(tmp_path):
    header = '[setting.s]\nkind = "network"\nwidths = [2, 2]\nactivation = "sigmod"\n'
    cat = load(tmp_path, claim("c", "delta[1]", "diff(J, b[1])"), header)
    assert not cat.claims and cat.errors[0].line == 4


def test_the_catalog_choices_are_the_symbolic_stage_choices():
    from bpcheck.symbolic import build, world
    assert set(schema.ACTIVATIONS) == set(world.ACTIVATIONS)
    assert set(schema.CHOICES["loss"]) == set(world.LOSSES) | {"generic"}
    assert schema.CHOICES["numbering"] == build.NUMBERINGS
    assert schema.CHOICES["orientation"] == build.ORIENTATIONS
    assert schema.CHOICES["layout"] == build.LAYOUTS


NETWORK = ('[setting.net]\nkind = "network"\nwidths = [3, 2]\nactivation = "sigmoid"\n'
           'loss = "mse_half"\n')


@pytest.mark.parametrize("size", ["L", "n[1]"])
def test_a_size_is_never_differentiated_as_a_constant(tmp_path, size):
    """diff(L, a[L]) with L the depth: a note that means its loss by L would otherwise be
    REFUTED against 0 (a false refutation); it is an input error instead."""
    body = claim("c", "a[L] - y", quantity=f"diff({size}, a[L])", setting='"net"')
    body = body.replace('setting = "s"\n', "")
    loaded = load(tmp_path, body, header=NETWORK)
    assert not loaded.errors, loaded.errors
    verdict = verify_claim(loaded.claims[0])
    assert verdict.kind is Kind.ERROR
