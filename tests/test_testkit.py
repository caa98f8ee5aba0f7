"""The given test helpers (tito/testkit.py) catch what they claim to catch."""
from __future__ import annotations

import numpy as np
import pytest

from tinytorch.core.autograd import Tensor, record_op
from tito.testkit import check_grads, error_message, grads_of, numerical_grads


def square_with_rule(rule):
    return lambda a: record_op("square", a.data ** 2, (a,), lambda grad: (rule(grad, a.data),))


def test_check_grads_passes_a_right_rule_and_names_a_wrong_one():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    check_grads(Tensor, square_with_rule(lambda g, a: 2 * a * g), x)
    with pytest.raises(AssertionError, match=r"square: operand 0, element \(\d, \d\): backward gives"):
        check_grads(Tensor, square_with_rule(lambda g, a: a * g), x, name="square")


def test_missing_gradient_is_named():
    with pytest.raises(AssertionError, match="operand 1 received no gradient"):
        check_grads(Tensor, lambda a, b: a * 2.0 + Tensor(b.data), np.ones(2), np.ones(2))


def test_grads_of_and_numerical_grads_agree_on_matmul():
    a, b = np.random.default_rng(0).standard_normal((2, 3)), np.random.default_rng(1).standard_normal((3, 4))
    for got, want in zip(grads_of(Tensor, lambda p, q: p @ q, a, b), numerical_grads(Tensor, lambda p, q: p @ q, a, b)):
        assert np.allclose(got, want, atol=1e-6)


def test_error_message():
    assert error_message(ValueError, int, "x") is not None and error_message(ValueError, int, "3") is None
    with pytest.raises(TypeError):
        error_message(ValueError, int, [])
