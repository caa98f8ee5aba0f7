"""Given helpers for the graded test cells, so a visible test says which law it checks in a few lines.

`check_grads` compares backward with central differences, `grads_of` and `observe_grads` hand gradients to the
grader, `error_message` tells whether a call raised the error a task asks for. They take the Tensor class as an
argument because the class under test is the notebook's own (module 02 builds it). Like tito/check.py, this
file is copied into every grading sandbox and imports nothing from tito but `check`.
"""
from __future__ import annotations

import numpy as np

from .check import observe

EPS = 1e-6  # central-difference step: float64 keeps about 10 correct digits at this step


def _seed_weights(shape: tuple) -> np.ndarray:
    """Fixed weights w for backward(w): every output element counts, each differently."""
    return np.random.default_rng(1).standard_normal(shape)


def _leaves(Tensor, arrays) -> list:
    return [Tensor(np.array(a, dtype=np.float64), dtype=np.float64, requires_grad=True) for a in arrays]


def grads_of(Tensor, build, *arrays) -> list:
    """The gradient of sum(w * build(*leaves)) for each operand (None where none arrived), w fixed."""
    leaves = _leaves(Tensor, arrays)
    out = build(*leaves)
    out.backward(_seed_weights(out.shape))
    return [None if t.grad is None else np.asarray(t.grad.data) for t in leaves]


def observe_grads(name: str, Tensor, build, *arrays, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Hand the grader each operand's gradient of build(*operands) (hidden tests)."""
    for i, grad in enumerate(grads_of(Tensor, build, *arrays)):
        observe(f"{name}: gradient of operand {i}", grad, rtol=rtol, atol=atol)


def numerical_grads(Tensor, build, *arrays) -> list:
    """Central differences of sum(w * build(*operands)) with respect to every element of every operand."""
    leaves = _leaves(Tensor, arrays)
    weights = _seed_weights(build(*leaves).shape)
    grads = []
    for t in leaves:
        grad = np.zeros(t.data.shape)
        for i in np.ndindex(t.data.shape):
            original = t.data[i]
            t.data[i] = original + EPS
            up = np.sum(np.asarray(build(*leaves).data) * weights)
            t.data[i] = original - EPS
            down = np.sum(np.asarray(build(*leaves).data) * weights)
            t.data[i] = original
            grad[i] = (up - down) / (2 * EPS)
        grads.append(grad)
    return grads


def check_grads(Tensor, build, *arrays, name: str = "", atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Assert that backward of build(*operands) matches central differences; the error names the operand and
    the element that differ most."""
    label = f"{name}: " if name else ""
    for i, (got, want) in enumerate(zip(grads_of(Tensor, build, *arrays), numerical_grads(Tensor, build, *arrays))):
        assert got is not None, f"{label}operand {i} received no gradient"
        assert got.shape == want.shape, f"{label}operand {i}: gradient shape {got.shape}, expected {want.shape}"
        excess = np.abs(got - want) - (atol + rtol * np.abs(want))
        if excess.size and not np.all(excess <= 0):
            at = np.unravel_index(int(np.nanargmax(np.where(np.isnan(excess), np.inf, excess))), excess.shape)
            raise AssertionError(f"{label}operand {i}, element {tuple(int(k) for k in at)}: backward gives "
                                 f"{got[at]:.6g}, central differences {want[at]:.6g}")


def error_message(error: type, call, *args, **kwargs) -> str | None:
    """The message of the `error` that call(*args, **kwargs) raises; None when it raises nothing. Any other
    exception propagates, so a wrong error type fails the test with its own traceback."""
    try:
        call(*args, **kwargs)
    except error as e:
        return str(e)
    return None
