import pytest

from bpcheck.catalog.formula import FormulaError, parse

KNOWN = {"x", "W", "z", "a", "J", "l"}


@pytest.mark.parametrize("text", [
    "diff(J, W[l])", "transpose(W[l+1]) * z[l]", "a[l] ⊙ z[l]", "x ** 2 − 1",
    "piecewise((1, x >= 0), (0, True))", "sum(z[l][k], (k, 1, 3))",
])
def test_accepts_the_language(text):
    parse(text, KNOWN | {"k"})


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
