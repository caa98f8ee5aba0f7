"""The grader's verdict on a test cell, made outside the student's process.

A graded cell earns its points only when (1) the kernel reports no error in it and (2) every observation the
reference solution made in that cell (tito.check.observe) was made again, in the same order, with an equal value
(floats within the reference's tolerance). The student's process can only make (1) worse; it cannot forge (2)
without computing the right values. Names of failed checks are reported; values never are (hidden tests).
"""
from __future__ import annotations

import math


def _close(a, b, rtol: float, atol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if not all(isinstance(x, (int, float)) for x in (a, b)):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def same(ref: dict, got, rtol: float, atol: float) -> bool:
    """Does the encoded value `got` equal the reference's encoded value `ref`?"""
    if not isinstance(got, dict):
        return False
    kind, got_kind = ref.get("t"), got.get("t")
    numeric = ("int", "float")
    if kind in numeric and got_kind in numeric:
        return _close(got.get("v"), ref["v"], rtol, atol)
    if kind != got_kind or kind == "other":
        return False
    if kind == "none":
        return True
    if kind in ("bool", "str"):
        return got.get("v") == ref["v"] and type(got.get("v")) is type(ref["v"])
    if kind in ("tuple", "list"):
        items = got.get("v")
        return isinstance(items, list) and len(items) == len(ref["v"]) and all(
            same(r, g, rtol, atol) for r, g in zip(ref["v"], items))
    if kind == "array":
        values = got.get("v")
        if got.get("shape") != ref["shape"] or not isinstance(values, list) or len(values) != len(ref["v"]):
            return False
        if (ref["kind"] == "bool") != (got.get("kind") == "bool"):
            return False
        return all(_close(g, r, rtol, atol) for r, g in zip(ref["v"], values))
    return False


def cell_verdict(reference: list[dict], observed: list[dict]) -> str:
    """Empty when `observed` matches `reference`; otherwise why not, naming the first failed check."""
    for i, ref in enumerate(reference):
        if i >= len(observed):
            return f"check '{ref['name']}' was never reached"
        got = observed[i]
        if got.get("name") != ref["name"]:
            return f"check '{ref['name']}' was expected here, got '{got.get('name')}'"
        if not same(ref["value"], got.get("value"), ref["rtol"], ref["atol"]):
            return f"check '{ref['name']}' gives a different result from the reference solution"
    if len(observed) > len(reference):
        return f"unexpected extra check '{observed[len(reference)].get('name')}'"
    return ""
