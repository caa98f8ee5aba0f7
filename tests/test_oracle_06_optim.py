"""Module 06 against torch.optim: parameter trajectories over 20 steps, schedules' rates and clipping, in float64."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core import optim  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402

SHAPES = [(3, 1), (5,), (2, 1, 3)]
STEPS = 20
TOL = dict(rtol=1e-10, atol=1e-12)

OPTIMIZERS = {
    "SGD": (optim.SGD, torch.optim.SGD),
    "RMSprop": (optim.RMSprop, torch.optim.RMSprop),
    "Adam": (optim.Adam, torch.optim.Adam),
    "AdamW": (optim.AdamW, torch.optim.AdamW),
}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("SGD", dict()),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.05)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, eps=1e-4, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.0, 0.5), weight_decay=0.01)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.0)),
]


def pair(rng, shapes=SHAPES):
    """The same float64 starting values as tinytorch parameters and as torch leaves."""
    starts = [rng.standard_normal(s) for s in shapes]
    ours = [Tensor(x, dtype=np.float64, requires_grad=True) for x in starts]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in starts]
    return ours, theirs


def set_grads(ours, theirs, grads):
    for p, q, g in zip(ours, theirs, grads):
        p.grad = None if g is None else Tensor(g, dtype=np.float64)
        q.grad = None if g is None else torch.from_numpy(np.array(g))


def assert_same(ours, theirs, what):
    for k, (p, q) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(p.data, q.detach().numpy(), **TOL, err_msg=f"{what}, parameter {k}")


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CASES])
def test_trajectory_matches_torch(name, kwargs):
    """20 steps on random gradients; some parameters miss their gradient on some steps."""
    rng = np.random.default_rng(CASES.index((name, kwargs)))
    ours_cls, theirs_cls = OPTIMIZERS[name]
    ours, theirs = pair(rng)
    opt, ref = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
    for step in range(STEPS):
        grads = [None if (step + k) % 4 == 3 else rng.standard_normal(s) for k, s in enumerate(SHAPES)]
        set_grads(ours, theirs, grads)
        opt.step()
        ref.step()
        assert_same(ours, theirs, f"{name}({kwargs}) after step {step + 1}")


@pytest.mark.parametrize("name, kwargs", CASES[1::2], ids=[n for n, _ in CASES[1::2]])
def test_trajectory_on_a_quadratic_matches_torch(name, kwargs):
    """Gradients fed back from each side's own parameters: g = a * (x - c), a > 0 broadcast over the shape."""
    rng = np.random.default_rng(7)
    ours_cls, theirs_cls = OPTIMIZERS[name]
    ours, theirs = pair(rng)
    curv = [rng.uniform(0.5, 5.0, size=s) for s in SHAPES]
    centre = [rng.standard_normal(s) for s in SHAPES]
    opt, ref = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
    for step in range(STEPS):
        for p, q, a, c in zip(ours, theirs, curv, centre):
            p.grad = Tensor(a * (p.data - c), dtype=np.float64)
            q.grad = torch.from_numpy(a * (q.detach().numpy() - c))
        opt.step()
        ref.step()
        assert_same(ours, theirs, f"{name}({kwargs}) on a quadratic after step {step + 1}")


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_param_groups_match_torch(name):
    """Two groups, the second with its own lr (and weight decay where the optimizer has one)."""
    rng = np.random.default_rng(11)
    ours_cls, theirs_cls = OPTIMIZERS[name]
    ours, theirs = pair(rng)
    extra = {"lr": 0.003, "weight_decay": 0.2}
    opt = ours_cls([{"params": ours[:1]}, {"params": ours[1:], **extra}], lr=0.02)
    ref = theirs_cls([{"params": theirs[:1]}, {"params": theirs[1:], **extra}], lr=0.02)
    for step in range(STEPS):
        set_grads(ours, theirs, [rng.standard_normal(s) for s in SHAPES])
        opt.step()
        ref.step()
        assert_same(ours, theirs, f"{name} with two groups after step {step + 1}")


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.05, momentum=0.9)), ("RMSprop", dict(momentum=0.5, centered=True)),
                                          ("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01))])
def test_state_dict_matches_torch(name, kwargs):
    """Buffers have torch's names and positions; torch's state_dict loads into ours and the runs stay together."""
    rng = np.random.default_rng(13)
    ours_cls, theirs_cls = OPTIMIZERS[name]
    ours, theirs = pair(rng)
    opt, ref = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
    for _ in range(10):
        set_grads(ours, theirs, [rng.standard_normal(s) for s in SHAPES])
        opt.step()
        ref.step()
    mine, saved = opt.state_dict(), ref.state_dict()
    assert set(mine["state"]) == set(saved["state"])
    for i, buffers in saved["state"].items():
        assert set(mine["state"][i]) == set(buffers), f"{name}: buffer names of parameter {i}"
        for key, value in buffers.items():
            np.testing.assert_allclose(np.asarray(mine["state"][i][key], dtype=np.float64), value.numpy(), **TOL)
    assert [g["params"] for g in mine["param_groups"]] == [g["params"] for g in saved["param_groups"]]

    # torch's checkpoint, converted to ndarrays, into a fresh tinytorch optimizer at torch's parameters
    fresh = [Tensor(q.detach().numpy().copy(), dtype=np.float64, requires_grad=True) for q in theirs]
    converted = {
        "state": {i: {k: int(v.item()) if k == "step" else v.numpy().copy() for k, v in b.items()} for i, b in saved["state"].items()},
        "param_groups": [{k: v for k, v in g.items() if k in mine["param_groups"][0]} for g in saved["param_groups"]],
    }
    resumed = ours_cls(fresh, lr=123.0)
    resumed.load_state_dict(converted)
    assert resumed.param_groups[0]["lr"] == kwargs.get("lr", resumed.param_groups[0]["lr"])
    for step in range(10):
        set_grads(fresh, theirs, [rng.standard_normal(s) for s in SHAPES])
        resumed.step()
        ref.step()
        assert_same(fresh, theirs, f"{name} resumed from torch's state_dict, step {step + 1}")


SCHEDULES = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=4)),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULES, ids=[f"{n}-{kw}" for n, kw in SCHEDULES])
def test_schedule_matches_torch(name, kwargs):
    """30 epochs (past T_max, past total_iters) of optimizer.step() then scheduler.step(), two groups."""
    ours, theirs = pair(np.random.default_rng(17), SHAPES[:2])
    opt = optim.SGD([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.03}], lr=0.2)
    ref = torch.optim.SGD([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.03}], lr=0.2)
    sched = getattr(optim, name)(opt, **kwargs)
    ref_sched = getattr(torch.optim.lr_scheduler, name)(ref, **kwargs)
    for epoch in range(31):
        np.testing.assert_allclose(sched.get_last_lr(), ref_sched.get_last_lr(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name}({kwargs}) at epoch {epoch}")
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [g["lr"] for g in ref.param_groups], rtol=1e-12, atol=1e-15)
        opt.step()
        ref.step()
        sched.step()
        ref_sched.step()


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("scale", [0.3, 1.0, 2.0])
def test_clip_grad_norm_matches_torch(norm_type, scale):
    """Same total norm and same clipped gradients; one parameter has no gradient."""
    rng = np.random.default_rng(19)
    ours, theirs = pair(rng, SHAPES + [(4,)])
    grads = [rng.standard_normal(s) * 3.0 for s in SHAPES] + [None]
    set_grads(ours, theirs, grads)
    flat = np.concatenate([g.ravel() for g in grads if g is not None])
    size = float(np.max(np.abs(flat))) if norm_type == math.inf else float(np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type))
    max_norm = scale * size
    total = optim.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert math.isclose(total, ref_total.item(), rel_tol=1e-12)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_float32_trajectory_matches_torch():
    """The default dtype: float32 parameters stay float32 and follow torch to float32 precision."""
    rng = np.random.default_rng(23)
    starts = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    for name, kwargs in [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01)), ("AdamW", dict()),
                         ("RMSprop", dict(centered=True))]:
        ours = [Tensor(x, requires_grad=True) for x in starts]
        theirs = [torch.tensor(x, requires_grad=True) for x in starts]
        ours_cls, theirs_cls = OPTIMIZERS[name]
        opt, ref = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
        for _ in range(STEPS):
            grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
            for p, q, g in zip(ours, theirs, grads):
                p.grad, q.grad = Tensor(g), torch.from_numpy(g.copy())
            opt.step()
            ref.step()
        for p, q in zip(ours, theirs):
            assert p.dtype == np.float32
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_clip_grad_norm_with_nonfinite_gradient_matches_torch(bad, norm_type):
    """A NaN or inf gradient: the same total and the same NaN/zero gradients everywhere; error_if_nonfinite raises in both."""
    rng = np.random.default_rng(29)
    ours, theirs = pair(rng)
    grads = [rng.standard_normal(s) for s in SHAPES]
    grads[1][2] = bad
    set_grads(ours, theirs, grads)
    total = optim.clip_grad_norm_(ours, 1.0, norm_type=norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type)
    assert (math.isnan(total) and math.isnan(ref_total.item())) or total == ref_total.item()
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())
    set_grads(ours, theirs, grads)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        optim.clip_grad_norm_(ours, 1.0, norm_type=norm_type, error_if_nonfinite=True)
    np.testing.assert_array_equal(ours[0].grad.data, grads[0])
