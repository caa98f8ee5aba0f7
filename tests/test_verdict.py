"""The grader's comparison of observations (tito/verdict.py) and their encoding (tito/check.py)."""
from __future__ import annotations

import json

import numpy as np

from tito.check import MAX_ELEMENTS, encode, observe
from tito.grading.verdict import cell_verdict, same
from tito.sandbox.observations import read_observation


def record(name, value, rtol=1e-5, atol=1e-8):
    return {"name": name, "value": json.loads(json.dumps(encode(value))), "rtol": rtol, "atol": atol}


def test_encoding_keeps_kinds_apart():
    assert encode((1, 2))["t"] == "tuple" and encode([1, 2])["t"] == "list"
    assert encode(np.float32(1.5)) == {"t": "float", "v": 1.5}
    assert encode(np.array([[1, 2]]))["shape"] == [1, 2]
    assert encode(np.array([True]))["kind"] == "bool"
    assert encode(object())["t"] == "other"
    assert encode(np.zeros(MAX_ELEMENTS + 1))["t"] == "other"
    assert encode(np.array(["a"]))["t"] == "other"


def test_observe_outside_grading_only_returns_the_value(monkeypatch):
    monkeypatch.delenv("TITO_OBSERVE", raising=False)
    value = np.arange(3)
    assert observe("x", value) is value


def test_floats_compare_within_the_reference_tolerance():
    ref = record("x", np.array([1.0, 2.0]), rtol=1e-3, atol=0)["value"]
    assert same(ref, encode(np.array([1.0005, 2.001])), 1e-3, 0)
    assert not same(ref, encode(np.array([1.01, 2.0])), 1e-3, 0)
    assert same(encode(float("nan")), encode(float("nan")), 0, 0)
    assert not same(encode(float("nan")), encode(1.0), 1e9, 1e9)
    assert not same(encode(float("inf")), encode(1e308), 1e9, 1e9)


def test_shapes_kinds_and_types_must_match():
    assert not same(encode(np.zeros((2, 3))), encode(np.zeros((3, 2))), 1, 1)
    assert not same(encode(np.array([True, False])), encode(np.array([1, 0])), 1, 1)
    assert not same(encode((1, 2)), encode([1, 2]), 0, 0)
    assert not same(encode("float32"), encode("float64"), 1, 1)
    assert not same(encode(True), encode(1), 1, 1)
    assert same(encode(3), encode(3.0), 0, 0)  # numbers compare as numbers
    assert not same(encode(object()), encode(object()), 1, 1)  # "other" never matches, even itself


def test_cell_verdict_needs_every_reference_observation_in_order():
    ref = [record("a", 1.0), record("b", np.arange(3))]
    assert cell_verdict(ref, [record("a", 1.0), record("b", np.arange(3))]) == ""
    assert "'b' was never reached" in cell_verdict(ref, [record("a", 1.0)])
    assert "'a' was expected here" in cell_verdict(ref, [record("b", np.arange(3)), record("a", 1.0)])
    assert "different result" in cell_verdict(ref, [record("a", 1.0), record("b", np.arange(1, 4))])
    assert "extra check" in cell_verdict(ref, ref + [record("c", 0)])
    forged = {"name": "b", "value": {"t": "array"}, "rtol": 1e9, "atol": 1e9}  # malformed, huge tolerance
    assert "different result" in cell_verdict(ref, [record("a", 1.0), forged])


def test_only_well_formed_observation_outputs_are_read():
    mime = "application/vnd.tinytorch.observation"
    assert read_observation({"output_type": "stream", "text": "x"}) is None
    assert read_observation({"output_type": "display_data", "data": {mime: "not json"}}) == {"name": "?"}
    good = {"output_type": "display_data", "data": {mime: json.dumps(record("a", 1))}}
    assert read_observation(good)["name"] == "a"
