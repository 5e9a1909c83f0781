"""Decide symbolically whether two values are equal: a staged zero test.

Stage 1 replaces σ(u), e^u, tanh(u), log(u) by fresh symbols (their derivative
rules were already applied), writes each entry of the difference over one
denominator (products expanded first: combining fractions first multiplies
denominators) and expands the numerator.  A zero numerator is a proof: the
difference vanishes as a rational function of the atoms, so it vanishes for
every value they take.  Stage 2 rewrites σ and tanh through e^u and splits
e^(a+b) into e^a e^b before the same test; stage 3 is SymPy's `simplify`,
the slow last resort.  A non-zero result is *not* a refutation: only a
numeric counterexample refutes.  Rewrites valid only for real or positive
arguments (log e^u = u, log of a product, (e^m)^c) are used only where `domain`
shows the arguments qualify, and a zero numerator proves nothing about sides
whose divisors vanish everywhere (`_proved`).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable

import sympy as sp

from . import dag
from . import engine
from .domain import UndefinedEverywhere, positive_valued, real_valued, undefined_denominator
from .atoms import (KINKED, UNDEFINED, AbsF, Exp, IsMax, MaxOf, Relu, Sig, Step, Tanh,
                    kink_arguments, partial_of)
from .linalg import entries, fmt, shape_of, unit
from ..model import Step as ProofStep

OPAQUE = (Sig, Exp, Tanh, sp.log)


@dataclass(frozen=True)
class SymbolicResult:
    equal: bool | None  # True: proved; None: not proved (never "refuted")
    steps: tuple[ProofStep, ...]
    stage: str = ""


def same_shape(lhs: Any, rhs: Any) -> str:
    """'' when the shapes agree, else a sentence naming both."""
    lhs, rhs = unit(lhs), unit(rhs)
    if shape_of(lhs) != shape_of(rhs) or (isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase)):
        return f"the two sides have different shapes: {fmt(lhs)} vs {fmt(rhs)}"
    return ""


_HAS_DERIVATIVE: dict[sp.Basic, bool] = {}  # per node, kept: the same terms are asked about again


def canonical_derivatives(e: sp.Expr) -> sp.Expr:
    """Write every partial derivative of an undefined function G as one atom
    D[k]G(args): SymPy spells the same derivative as Derivative(G(x), x) or as
    Subs(Derivative(G(t), t), t, x) with private dummies, which would defeat
    the comparison."""
    def atom(f: sp.Function, wrt: list[sp.Basic], mapping: dict) -> sp.Expr | None:
        if not all(v in f.args for v in wrt):
            return None
        slots = tuple(f.args.index(v) + 1 for v in wrt)
        args = [a.xreplace(mapping) for a in f.args]
        return partial_of(f.func, slots)(*args)

    def convert(d: sp.Basic) -> sp.Basic:
        if isinstance(d, sp.Subs) and isinstance(d.expr, sp.Derivative):
            inner, mapping = d.expr, dict(zip(d.variables, d.point))
        elif isinstance(d, sp.Derivative):
            inner, mapping = d, {}
        else:
            return d
        if not isinstance(inner.expr, UNDEFINED):
            return d
        wrt = [v for v, count in inner.variable_count for _ in range(count)]
        return atom(inner.expr, wrt, mapping) or d

    if len(_HAS_DERIVATIVE) > 400_000:
        _HAS_DERIVATIVE.clear()
    if not dag.contains(e, (sp.Derivative,), _HAS_DERIVATIVE):
        return e
    e = dag.replace_type(e, (sp.Subs,), convert)
    return dag.replace_type(e, (sp.Derivative,), convert)


def decide(lhs: Any, rhs: Any, allow_simplify: bool = True, kinked: bool = True) -> SymbolicResult:
    """Try to prove lhs = rhs; `allow_simplify=False` runs the cheap stage only
    (used once a numeric counterexample already settles the verdict); `kinked=False`
    skips the search for ReLU/max/piecewise atoms when the claim has none."""
    lhs, rhs = unit(lhs), unit(rhs)
    pairs = list(zip(entries(lhs), entries(rhs)))
    steps = [ProofStep("difference", f"{len(pairs)} entr{'y' if len(pairs) == 1 else 'ies'} of "
                       "left − right to reduce to 0")]
    # the common case first: symengine, every atom uninterpreted, no SymPy arithmetic
    if all(engine.equal(a, b) for a, b in pairs):
        steps += [ProofStep("atoms", _STAGE_TEXT["atoms"]),
                  ProofStep("zero", "every numerator expands to 0: the sides are equal")]
        return _proved(pairs, steps, "atoms")
    if not allow_simplify and engine.available():  # the numbers already differ: no more algebra
        steps.append(_NONZERO)
        return SymbolicResult(None, tuple(steps), "")
    diffs = [canonical_derivatives(a - b) for a, b in pairs]
    regions = _regions(diffs) if kinked else [Region()]
    if regions is None:
        steps.append(ProofStep("cases", f"more than {MAX_KINKS} kinked atoms: too many sign "
                               "regions to enumerate"))
        return SymbolicResult(None, tuple(steps), "")
    if len(regions) > 1:
        steps.append(ProofStep("cases", f"{len(regions)} sign regions of the kinked atoms "
                               "(ReLU, step, |·|, max); kinks themselves are excluded"))
    stages = (("atoms", _stage_atoms), ("exp", _stage_exp))
    for stage, reducer in stages if allow_simplify else stages[:1]:
        try:
            proved = all(reducer(d) == 0 for d in _cases(diffs, regions))
        except _Undecided:
            break
        if proved:
            steps.append(ProofStep(stage, _STAGE_TEXT[stage]))
            steps.append(ProofStep("zero", "every numerator expands to 0: the sides are equal"))
            return _proved(pairs, steps, stage)
    if allow_simplify and not _has_undecided(diffs, regions):
        if all(sp.simplify(d.rewrite(sp.exp)) == 0 for d in _cases(diffs, regions)):
            steps.append(ProofStep("simplify", "SymPy's simplify reduced every entry to 0"))
            return _proved(pairs, steps, "simplify")
    steps.append(_NONZERO)
    return SymbolicResult(None, tuple(steps), "")


def _proved(pairs: list[tuple[Any, Any]], steps: list[ProofStep], stage: str) -> SymbolicResult:
    """A zero numerator proves the sides equal wherever both are defined: that must be
    somewhere, i.e. the divisors (of each side, and so of the difference over one
    denominator, their product) must not vanish together at every point."""
    for k, pair in enumerate(pairs):
        bad = undefined_denominator(list(pair))
        if bad is not None:
            entry = f" (entry {k + 1})" if len(pairs) > 1 else ""
            raise UndefinedEverywhere(f"the divisor {_short(bad)}{entry} is 0 at every point "
                                      "tried (six seeded points of every sign): the formula "
                                      "looks undefined everywhere")
    return SymbolicResult(True, tuple(steps), stage)


def _short(e: sp.Expr, limit: int = 80) -> str:
    text = sp.sstr(e)
    return text if len(text) <= limit else text[:limit - 1] + "…"


_NONZERO = ProofStep("nonzero", "the difference did not reduce to 0 "
                     "(not a refutation by itself: see the numeric check)")


def _has_undecided(diffs: list[sp.Expr], regions: list[Region]) -> bool:
    try:
        for _ in _cases(diffs, regions):
            pass
    except _Undecided:
        return True
    return False


_STAGE_TEXT = {
    "atoms": "σ(u), e^u, tanh(u), log(u) taken as symbols; difference over one "
             "denominator, numerator expanded",
    "exp": "σ and tanh rewritten through e^u, e^(a+b) split into e^a·e^b; "
           "numerator expanded",
}


def is_zero_rational(e: sp.Expr) -> bool:
    """Is `e` identically 0 as a rational function of its symbols?

    symengine (SymPy's C++ core) expands first: a zero there is a proof and
    ~100x cheaper; otherwise SymPy combines fractions (products expanded first)
    and expands the numerator."""
    if _symengine_zero(e):
        return True
    e = sp.expand_mul(e)
    num, _ = sp.fraction(sp.together(e))
    return sp.expand(num) == 0


def _symengine_zero(e: Any) -> bool:
    """symengine's own conversion (it holds what `engine.to_engine` refuses, such as
    the fresh dummies of the atoms stage), then the same numerator test."""
    if not isinstance(e, sp.Basic):  # (symengine's sympify would parse a string as code)
        return False
    names = [s.name for s in e.free_symbols if isinstance(s, sp.Symbol) and not s.is_Dummy]
    if len(names) != len(set(names)):  # symengine would merge v (declared positive) and a plain v
        return False
    try:
        import symengine as se
        converted = se.sympify(e)
    except Exception:  # not installed, or an object symengine cannot hold
        return False
    return engine.is_zero(converted)


def _atoms_to_symbols(e: sp.Expr, kinds: tuple) -> sp.Expr:
    """Each distinct atom becomes a fresh symbol (one pass; nested atoms go whole)."""
    found = sorted(dag.atoms_of(e, kinds), key=sp.default_sort_key)
    return dag.xreplace(e, {atom: sp.Dummy(f"t{k}") for k, atom in enumerate(found)})


def _stage_atoms(e: sp.Expr) -> sp.Expr:
    if _symengine_zero(e):  # symengine keeps σ(u), e^u, log(u) as opaque functions
        return sp.Integer(0)
    e = _atoms_to_symbols(e, OPAQUE)
    return sp.Integer(0) if is_zero_rational(e) else e


def _stage_exp(e: sp.Expr) -> sp.Expr:
    # σ(u) = 1/(1 + e^-u) and tanh(u) = (e^2u − 1)/(e^2u + 1) hold for every complex u
    # where both sides are defined: no condition on u.
    e = e.replace(lambda a: isinstance(a, Sig), lambda a: 1 / (1 + Exp(-a.args[0])))
    e = e.replace(lambda a: isinstance(a, Tanh),
                  lambda a: (Exp(2 * a.args[0]) - 1) / (Exp(2 * a.args[0]) + 1))
    e = e.replace(lambda a: isinstance(a, sp.log), _split_log)
    e = e.replace(lambda a: isinstance(a, sp.exp), lambda a: Exp(a.args[0]))
    e = e.replace(lambda a: isinstance(a, Exp), _split_exp)
    e = _atoms_to_symbols(e, (Exp, sp.log))
    return sp.Integer(0) if is_zero_rational(e) else e


def _split_log(a: sp.log) -> sp.Expr:
    """log(∏ f_i^k_i) = Σ k_i log(f_i), and log(e^u) = u.  Over the reals, log(f·g) =
    log f + log g needs f, g > 0 and log(f^k) = k log f needs f > 0, k real (with
    f < 0 the left side may be defined and the right not); log(e^u) = u needs u real
    (for complex u it is u − 2πik for some k).  Unless every factor qualifies, the
    log stays whole."""
    parts = [f.as_base_exp() for f in sp.Mul.make_args(a.args[0])]
    if not all(positive_valued(base) and real_valued(k) for base, k in parts):
        return a
    return sp.Add(*[k * (base.args[0] if isinstance(base, Exp) else sp.log(base))
                    for base, k in parts])


def _split_exp(a: Exp) -> sp.Expr:
    """e^(c1 m1 + c2 m2) = E_m1^c1 E_m2^c2, one symbol per monomial.  e^(a+b) = e^a e^b
    holds for all complex a, b; e^(c m) = (e^m)^c for an integer c always, for another
    rational c only when e^m > 0, i.e. m real (else the principal power may differ)."""
    out = sp.Integer(1)
    for term in sp.Add.make_args(sp.expand(a.args[0])):
        coeff, mono = term.as_coeff_Mul()
        if mono == 1:
            out *= sp.E ** coeff
        elif coeff.is_Integer or real_valued(mono):
            out *= Exp(mono) ** coeff
        else:
            out *= Exp(term)
    return out


# ---- kinked atoms: decide region by region -----------------------------------

MAX_KINKS = 10
MAX_REGIONS = 4096


class _Infeasible(Exception):
    pass


class _Undecided(Exception):
    pass


@dataclass(frozen=True)
class Region:
    """Signs of the kink arguments, and which entry is the maximum of each max."""

    signs: tuple[tuple[sp.Expr, int], ...] = ()
    argmax: tuple[tuple[tuple[sp.Expr, ...], int], ...] = ()


def _regions(diffs: Iterable[sp.Expr]) -> list[Region] | None:
    args: list[sp.Expr] = []
    groups: list[tuple[sp.Expr, ...]] = []
    for d in diffs:
        for atom in d.atoms(MaxOf, IsMax):
            xs = tuple(atom.args if isinstance(atom, MaxOf) else atom.args[1:])
            if xs not in groups:
                groups.append(xs)
        if not d.has(*KINKED, sp.Piecewise):
            continue
        for u in kink_arguments(d.replace(lambda a: isinstance(a, (MaxOf, IsMax)),
                                          lambda a: sp.Integer(0))):
            if u not in args and -u not in args:
                args.append(u)
    count = 2 ** len(args)
    for g in groups:
        count *= len(g)
    if len(args) > MAX_KINKS or count > MAX_REGIONS:
        return None
    return [Region(tuple(zip(args, signs)), tuple(zip(groups, choice)))
            for signs in itertools.product((1, -1), repeat=len(args))
            for choice in itertools.product(*[range(len(g)) for g in groups])]


def _cases(diffs: list[sp.Expr], regions: list[Region]) -> Iterable[sp.Expr]:
    """Each difference restricted to each feasible region."""
    for region in regions:
        try:
            restricted = [_in_region(d, region) for d in diffs]
        except _Infeasible:
            continue
        yield from restricted


def _sign(u: sp.Expr, region: Region) -> int:
    if not real_valued(u):  # a complex kink argument has no sign: no regions
        raise _Undecided(u)
    signs = dict(region.signs)
    if u in signs:
        return signs[u]
    if -u in signs:
        return -signs[-u]
    if u.is_number:
        return 1 if u > 0 else -1
    for xs, k in region.argmax:  # x_max − x_j > 0 inside a max group
        for j, xj in enumerate(xs):
            if j != k and u == xs[k] - xj:
                return 1
            if j != k and u == xj - xs[k]:
                return -1
    raise _Undecided(u)


def _in_region(e: sp.Expr, region: Region) -> sp.Expr:
    """e with every kinked atom resolved by the region, outermost first (an atom's
    sign is looked up on its argument as written, before inner atoms resolve)."""
    if not region.signs and not region.argmax:
        return e
    chosen = dict(region.argmax)
    memo: dict[sp.Basic, sp.Basic] = {}

    def go(x: sp.Basic) -> sp.Basic:
        if x in memo:
            return memo[x]
        if isinstance(x, (Relu, Step, AbsF)):
            sign = _sign(x.args[0], region)
            inner = go(x.args[0])
            result = {Relu: inner if sign > 0 else sp.Integer(0),
                      Step: sp.Integer(1 if sign > 0 else 0), AbsF: inner * sign}[type(x)]
        elif isinstance(x, MaxOf):
            result = go(x.args[_consistent_argmax(x.args, chosen, region)])
        elif isinstance(x, IsMax):
            k = _consistent_argmax(x.args[1:], chosen, region)
            result = sp.Integer(1 if k == int(x.args[0]) else 0)
        elif isinstance(x, sp.Piecewise):
            result = go(next((v for v, c in x.args if _truth(c, region)), None)
                        if any(_truth(c, region) for _, c in x.args) else _no_branch())
        elif x.args:
            new = [go(a) for a in x.args]
            result = x.func(*new) if any(n is not o for n, o in zip(new, x.args)) else x
        else:
            result = x
        memo[x] = result
        return result

    return go(e)


def _no_branch() -> sp.Basic:
    raise _Infeasible


def _consistent_argmax(xs: tuple, chosen: dict, region: Region) -> int:
    """The region's argmax of xs, unless a sign the region fixes contradicts it."""
    k = chosen[tuple(xs)]
    signs = dict(region.signs)
    for j, xj in enumerate(xs):
        u = xs[k] - xj
        if j != k and ((u in signs and signs[u] < 0) or (-u in signs and signs[-u] > 0)):
            raise _Infeasible
    return k


def _truth(cond: Any, region: Region) -> bool:
    if cond in (True, sp.true):
        return True
    if cond in (False, sp.false):
        return False
    if isinstance(cond, sp.And):
        return all(_truth(c, region) for c in cond.args)
    if isinstance(cond, sp.Or):
        return any(_truth(c, region) for c in cond.args)
    if isinstance(cond, sp.Not):
        return not _truth(cond.args[0], region)
    sign = _sign(cond.lhs - cond.rhs, region)  # never 0: kinks are excluded
    if isinstance(cond, (sp.Gt, sp.Ge)):
        return sign > 0
    if isinstance(cond, (sp.Lt, sp.Le)):
        return sign < 0
    return isinstance(cond, sp.Ne)
