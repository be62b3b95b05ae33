"""Products-of-hypotheses certificates: found, re-verified by expansion, never for falsehoods."""

from __future__ import annotations

import sympy as sp

from bounds.proof import lp, region

x, y, z = sp.symbols("x y z", positive=True)


def certificate(target, hyps):
    cons = region.constraints(list(hyps.items()))
    return lp.find_certificate(sp.expand(target), cons, region.signs(cons))


def test_product_of_two_hypotheses_is_found_and_exact() -> None:
    # (1 - x)(1 - y) >= 0 needs the product of the two hypotheses, not either alone.
    found = certificate(1 - x - y + x * y, {"x<=1": x <= 1, "y<=1": y <= 1})
    assert found is not None
    scale, cert = found
    by_name = {"x<=1: 1 - x >= 0": 1 - x, "y<=1: 1 - y >= 0": 1 - y}
    total = sum(
        t.weight * t.monomial * sp.Mul(*(by_name[f] for f in t.factors)) for t in cert.terms
    )
    assert sp.expand(scale * (1 - x - y + x * y) - total - cert.remainder) == 0


def test_false_target_has_no_certificate() -> None:
    # x*y <= x needs y <= 1; with y <= 2 it is false (x=1, y=2), so no certificate may exist.
    assert certificate(x - x * y, {"y<=2": y <= 2}) is None
    assert certificate(x - x * y, {"y<=1": y <= 1}) is not None
