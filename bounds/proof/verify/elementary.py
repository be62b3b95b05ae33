"""The elementary facts the verifier accepts, written out here from the textbook statements.

A certificate citing an elementary fact records its general form; the verifier compares that
form with its own copy below (so a changed fact in the engine's table is caught), then checks
the instance, the variables' domains and the side conditions.
"""

from __future__ import annotations

from typing import Any

Tree = Any


def _sym(name: str, *assumptions: str) -> Tree:
    return {"sym": name, "assumptions": list(assumptions)}


X, Y, P = _sym("X", "real"), _sym("Y", "real"), _sym("P", "real")
N = _sym("N", "real", "integer")
ZERO, ONE = {"int": "0"}, {"int": "1"}


def _fn(name: str, *args: Tree, kind: str = "builtin") -> Tree:
    return {"fn": name, "kind": kind, "args": list(args)}


def _rel(rel: str, lhs: Tree, rhs: Tree) -> Tree:
    return {"rel": rel, "lhs": lhs, "rhs": rhs}


def _add(*args: Tree) -> Tree:
    return {"add": list(args)}


def _neg(arg: Tree) -> Tree:
    return {"mul": [{"int": "-1"}, arg]}


def _pow(base: Tree, exponent: str) -> Tree:
    return {"pow": [base, {"rat": exponent} if "/" in exponent else {"int": exponent}]}


#: name -> (variables, side conditions, claim)
FACTS: dict[str, tuple[tuple[Tree, ...], tuple[Tree, ...], Tree]] = {
    "exp(x) >= 1 + x": ((X,), (), _rel("<=", _add(ONE, X), _fn("exp", X))),
    "exp(x) > 0": ((X,), (), _rel("<", ZERO, _fn("exp", X))),
    "log(p) <= p - 1": (
        (P,),
        (_rel("<", ZERO, P),),
        _rel("<=", _fn("log", P), _add(P, {"int": "-1"})),
    ),
    "log(p) >= 1 - 1/p": (
        (P,),
        (_rel("<", ZERO, P),),
        _rel("<=", _add(ONE, _neg(_pow(P, "-1"))), _fn("log", P)),
    ),
    "Abs(x) >= x": ((X,), (), _rel("<=", X, _fn("Abs", X))),
    "Abs(x) >= -x": ((X,), (), _rel("<=", _neg(X), _fn("Abs", X))),
    "Abs(x) >= 0": ((X,), (), _rel("<=", ZERO, _fn("Abs", X))),
    "Abs(x)**2 = x**2": ((X,), (), _rel("=", _pow(_fn("Abs", X), "2"), _pow(X, "2"))),
    "triangle inequality": (
        (X, Y),
        (),
        _rel("<=", _fn("Abs", _add(X, Y)), _add(_fn("Abs", X), _fn("Abs", Y))),
    ),
    "Max(x, y) >= x": ((X, Y), (), _rel("<=", X, _fn("Max", X, Y))),
    "Max(x, y) >= y": ((X, Y), (), _rel("<=", Y, _fn("Max", X, Y))),
    "Max(x, y) = x if x >= y": ((X, Y), (_rel("<=", Y, X),), _rel("=", _fn("Max", X, Y), X)),
    "Max(x, y) = y if y >= x": ((X, Y), (_rel("<=", X, Y),), _rel("=", _fn("Max", X, Y), Y)),
    "Min(x, y) <= x": ((X, Y), (), _rel("<=", _fn("Min", X, Y), X)),
    "Min(x, y) <= y": ((X, Y), (), _rel("<=", _fn("Min", X, Y), Y)),
    "sqrt(p) > 0": ((P,), (_rel("<", ZERO, P),), _rel("<", ZERO, _pow(P, "1/2"))),
    "sqrt(p) >= 0": ((P,), (_rel("<=", ZERO, P),), _rel("<=", ZERO, _pow(P, "1/2"))),
    "Jensen: E[X^2] >= E[X]^2": (
        (X,),
        (),
        _rel(
            "<=",
            _pow(_fn("E", X, kind="expectation"), "2"),
            _fn("E", _pow(X, "2"), kind="expectation"),
        ),
    ),
    "integer: n^2 >= n": ((N,), (), _rel("<=", N, _pow(N, "2"))),
}
