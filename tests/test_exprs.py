import ast

import pytest

from bpcheck.catalog.formula import FormulaError, parse

KNOWN = {"x", "W", "z", "a", "J", "l"}


@pytest.mark.parametrize("text, tree", [
    ("diff(J, W[l])", "diff(J, W[l])"),
    ("transpose(W[l+1]) * z[l]", "transpose(W[l + 1]) * z[l]"),
    ("a[l] ⊙ z[l]", "a[l] % z[l]"),  # the Hadamard product is read as %
    ("x ** 2 − 1", "x ** 2 - 1"),  # a typographic minus is a minus
    ("2 ** -x ** 2", "2 ** (-x ** 2)"),
    ("piecewise((1, x >= 0), (0, True))", "piecewise((1, x >= 0), (0, True))"),
    ("sum(z[l][k], (k, 1, 3))", "sum(z[l][k], (k, 1, 3))"),
])
def test_accepts_the_language(text, tree):
    assert ast.unparse(parse(text, KNOWN | {"k"}).tree) == tree


def test_reads_the_structure_not_only_the_text():
    body = parse("a[l] ⊙ z[l] - x ** 2", KNOWN).tree.body
    assert isinstance(body, ast.BinOp) and isinstance(body.op, ast.Sub)
    assert isinstance(body.left.op, ast.Mod) and isinstance(body.right.op, ast.Pow)
    assert sorted(n.id for n in ast.walk(body) if isinstance(n, ast.Name)) == ["a", "l", "l", "x", "z"]


@pytest.mark.parametrize("text, construct", [
    ("__import__('os').system('true')", "__import__"),
    ("x.real", "attribute"),
    ("(lambda: 1)()", "Lambda"),
    ("[i for i in x]", "ListComp"),
    ("y + 1", "unknown name 'y'"),
    ("open('f')", "unknown function"),
    ("x ^ 2", "power"),
    ("'text'", "not a number"),
    ("exp(x, y=1)", "keyword"),
    ("diff(J,", "syntax"),
])
def test_rejects_code_and_unknown_names(text, construct):
    with pytest.raises(FormulaError) as info:
        parse(text, KNOWN)
    assert construct.lower() in str(info.value).lower()


def test_parse_never_evaluates(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(FormulaError):
        parse(f"__import__('pathlib').Path('{marker}').touch()", KNOWN)
    assert not marker.exists()
