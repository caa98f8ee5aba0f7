# %% [markdown]
# # Module 06: Optimizers
#
# An optimizer turns gradients into parameter updates. After `loss.backward()` every parameter holds a
# gradient in `.grad`; `optimizer.step()` moves each parameter against it, and `optimizer.zero_grad()` clears
# the gradients before the next backward pass, which would otherwise add to them.
#
# You will write the machinery all optimizers share (parameter groups, per-parameter state, checkpoints),
# four update rules (SGD with momentum and Nesterov, RMSprop, Adam, AdamW), three learning-rate schedules
# and gradient clipping. Update rules, argument names and defaults are PyTorch's, so `torch.optim` code reads
# the same. Each task is a cell containing `# YOUR CODE HERE`; the locked cell after it tests it.
#
# Convention: updates work on NumPy arrays, in place. `p.data` is a parameter's array and `p.grad.data` its
# gradient. Writing into `p.data` records no graph, and the array keeps its dtype (float32 stays float32).

# %%
#| default_exp core.optim

# %%
#| export
import math
from collections import defaultdict
from typing import Iterable

import numpy as np

from tinytorch.core.autograd import Tensor

# %% [markdown]
# ### Given: two helpers
#
# `_require(ok, name, value, rule)` raises `ValueError` naming the hyper-parameter, such as
# `lr must be >= 0, got -0.1`. `_buffer(state, name, like)` returns `state[name]`, created as zeros shaped
# like `like` on first use: moment estimates and velocities start at 0.

# %%
#| export
def _require(ok: bool, name: str, value, rule: str) -> None:
    """Raise ValueError('<name> must be <rule>, got <value>') unless ok."""
    if not ok:
        raise ValueError(f"{name} must be {rule}, got {value!r}")


def _buffer(state: dict, name: str, like: np.ndarray) -> np.ndarray:
    """state[name], created as zeros with the shape and dtype of `like` the first time."""
    if name not in state:
        state[name] = np.zeros_like(like)
    return state[name]

# %% [markdown]
# ## 1. The optimizer base class
#
# `Optimizer(params, defaults)` keeps two things:
# - `param_groups`: a list of dicts, each with `"params"` (a list of Tensors) and that group's
#   hyper-parameters. `params` is either Tensors (one group) or dicts, e.g.
#   `SGD([{"params": body}, {"params": head, "lr": 0.01}], lr=0.1)`; a group's missing hyper-parameters come
#   from `defaults`. Schedules (section 6) change `group["lr"]` here, so every update must read it from the group.
# - `state`: a dict from parameter to a dict of its buffers (velocity, moment estimates, step count). It is a
#   `defaultdict(dict)`, as in PyTorch: `self.state[p]` is `{}` until `p` is first updated.
#
# The constructor and `add_param_group` are given. Each optimizer implements
# `_update(param, grad, state, group)`, which changes the ndarray `param` in place.
#
# **Task: `zero_grad`, `step`, `state_dict`, `load_state_dict`.**
# - `zero_grad(set_to_none=True)`: set every parameter's `.grad` to None; with `set_to_none=False`, fill the
#   existing gradient arrays with 0 instead.
# - `step()`: for every group and every parameter `p` in it whose `.grad` is not None, call
#   `self._update(p.data, p.grad.data, self.state[p], group)`. A parameter without a gradient took no part in
#   the loss: skip it, so its buffers do not move either.
# - `state_dict()`: `{"state": {i: buffers}, "param_groups": [...]}`. `i` is the parameter's position counted
#   across all groups; each saved group holds its hyper-parameters and `"params"`, the list of its positions.
#   Copy every ndarray (a checkpoint must not change when training goes on) and leave out parameters
#   with empty state.
# - `load_state_dict(state_dict)`: the reverse, into an optimizer built on other parameters of the same
#   shapes. Pair the saved positions with this optimizer's parameters group by group, copy each buffer cast
#   to its parameter's dtype, and take each saved group's hyper-parameters. Raise `ValueError` when the
#   number of groups, the number of parameters in a group or a buffer's shape differs.

# %% nbgrader={"grade": false, "grade_id": "optimizer-base", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Optimizer:
    """Base class: parameter groups with their hyper-parameters, per-parameter state, and the update loop."""

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: defaultdict = defaultdict(dict)  # parameter -> its buffers, filled on its first update
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts, not a single Tensor")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Append a group: its "params" plus hyper-parameters, the missing ones taken from the defaults."""
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"an optimizer can only update Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("cannot optimize a non-leaf Tensor: update the leaves it was computed from")
        ids = [id(p) for g in self.param_groups for p in g["params"]] + [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter appears more than once in the parameter groups")
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        self.param_groups.append(group)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """The update rule for one parameter, in place on `param`; each optimizer defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in sorted(group.items()) if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} parameters, {settings}")
        return "\n".join(lines + [")"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: .grad = None, or zeros in place when set_to_none is False."""
        ### BEGIN SOLUTION
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.data.fill(0)
        ### END SOLUTION

    def step(self) -> None:
        """Apply self._update(p.data, p.grad.data, self.state[p], group) to every p whose grad is not None."""
        ### BEGIN SOLUTION
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue  # no gradient this time: leave the parameter and its buffers alone
                self._update(p.data, p.grad.data, self.state[p], group)
        ### END SOLUTION

    def state_dict(self) -> dict:
        """{"state": {position: buffers}, "param_groups": [hyper-parameters + "params": positions]}, copied."""
        ### BEGIN SOLUTION
        state, groups, position = {}, [], 0
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = list(range(position, position + len(group["params"])))
            groups.append(saved)
            for i, p in zip(saved["params"], group["params"]):
                buffers = self.state.get(p)
                if buffers:
                    state[i] = {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in buffers.items()}
            position += len(group["params"])
        return {"state": state, "param_groups": groups}
        ### END SOLUTION

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore buffers and hyper-parameters saved by state_dict() onto this optimizer's parameters."""
        ### BEGIN SOLUTION
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"the state_dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        for n, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"parameter group {n} has {len(group['params'])} parameters, "
                                 f"the state_dict's has {len(saved['params'])}")
        state = defaultdict(dict)
        for group, saved in zip(self.param_groups, saved_groups):
            for i, p in zip(saved["params"], group["params"]):
                buffers = state_dict["state"].get(i)
                if buffers is None:
                    continue
                for k, v in buffers.items():
                    if isinstance(v, np.ndarray):
                        if v.shape != p.shape:
                            raise ValueError(f"buffer {k!r} of parameter {i} has shape {v.shape}, "
                                             f"the parameter has shape {p.shape}")
                        v = np.array(v, dtype=p.data.dtype)  # a copy, in the parameter's dtype
                    state[p][k] = v
        self.state = state
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        ### END SOLUTION

# %% [markdown]
# The next four cells test the base class with a small optimizer, `Descent` in the collapsed cell below (with
# helpers the later tests share): plain gradient descent that also counts its steps in `state["step"]` and keeps
# the last gradient in `state["last_grad"]`.

# %% jupyter={"source_hidden": true}
# Given: helpers that several tests below share (not exported).
def make(values, dtype=np.float64):
    """A parameter: a leaf Tensor that requires grad."""
    return Tensor(np.array(values, dtype=dtype), dtype=dtype, requires_grad=True)


def grad(values):
    """A float64 gradient."""
    return Tensor(np.array(values, dtype=np.float64), dtype=np.float64)


def run(cls, grads, start, **kwargs):
    """Step cls([p], **kwargs) once per gradient from p = start; the copies of p after each step, p, the optimizer."""
    p = make(start)
    opt = cls([p], **kwargs)
    path = []
    for g in grads:
        p.grad = grad(g)
        opt.step()
        path.append(p.data.copy())
    return path, p, opt


def float32_steps(cls, g, steps, **kwargs):
    """A float32 parameter [[1], [2], [3]] after `steps` steps of cls with gradient g everywhere, and the array it
    started with (an update in place keeps it)."""
    p = make([[1.0], [2.0], [3.0]], dtype=np.float32)
    opt, array = cls([p], **kwargs), p.data
    for _ in range(steps):
        p.grad = Tensor(np.full((3, 1), g, dtype=np.float32))
        opt.step()
    return p, array


def minimize(cls, steps, **kwargs):
    """x after `steps` steps of cls from 0 on f(x) = 0.5 * sum(a * (x - c)^2), a = [1, 10], c = [3, -1], with the
    gradients from autograd."""
    a, c = Tensor([1.0, 10.0], dtype=np.float64), Tensor([3.0, -1.0], dtype=np.float64)
    x = make([0.0, 0.0])
    opt = cls([x], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss = (a * (x - c) ** 2).sum() * 0.5
        loss.backward()
        opt.step()
    return x.data


class Descent(Optimizer):
    """p -= lr * grad, counting steps and keeping the last gradient as a buffer: a small optimizer to test the base."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr, "tag": "descent"})

    def _update(self, param, grad, state, group):
        state["step"] = state.get("step", 0) + 1
        state["last_grad"] = grad.copy()
        param -= group["lr"] * grad


def two_descent_steps():
    """Descent over a, b (group 0, lr 0.1) and c (group 1, lr 0.5) after two steps in which b has no gradient."""
    a, b, c = make([1.0, 2.0, 3.0]), make([[0.5], [-1.0]]), make([4.0])
    opt = Descent([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    for ga, gc in (([1.0, -1.0, 2.0], [2.0]), ([0.5, 0.5, 0.5], [-1.0])):
        a.grad, c.grad = grad(ga), grad(gc)
        opt.step()
    return opt, (a, b, c)


def random_descent_run(rng, grad_chance: float):
    """Four random parameters in two groups (the second with a random lr), three Descent steps in which each
    parameter has a gradient with probability grad_chance. Returns (shapes, parameters, optimizer)."""
    shapes = [tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3)))) for _ in range(4)]
    ps = [make(rng.standard_normal(s)) for s in shapes]
    opt = Descent([{"params": ps[:1]}, {"params": ps[1:], "lr": float(rng.uniform(0.01, 1.0))}])
    for _ in range(3):
        for k, p in enumerate(ps):
            p.grad = grad(rng.standard_normal(shapes[k])) if rng.random() < grad_chance else None
        opt.step()
    return shapes, ps, opt


def optimizer(*lrs):
    """SGD with one group, of one parameter, per learning rate."""
    return SGD([{"params": [Tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs], lr=lrs[0])


def rates(scheduler, epochs):
    """get_last_lr() at construction and after each of `epochs` calls to step()."""
    out = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.step()
        out.append(scheduler.get_last_lr())
    return out


def with_grads(*grads):
    """One float64 parameter per gradient (None: no gradient), each holding that gradient."""
    params = []
    for g in grads:
        p = Tensor(np.zeros(np.shape(g)), dtype=np.float64, requires_grad=True)
        p.grad = None if g is None else Tensor(np.array(g, dtype=np.float64), dtype=np.float64)
        params.append(p)
    return params

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_optimizer_base():
    """A group's missing hyper-parameters come from the defaults; step() updates every parameter that has a
    gradient, in place and with its own state, and skips one without: it neither moves nor gets state."""
    a, b, c = make([1.0, 2.0, 3.0]), make([[0.5], [-1.0]]), make([4.0])
    opt = Descent([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    g0, g1 = opt.param_groups
    assert g0["params"][0] is a and g0["params"][1] is b and g1["params"][0] is c, "groups must hold the given Tensors"
    assert (g0["lr"], g1["lr"], g0["tag"], g1["tag"]) == (0.1, 0.5, "descent", "descent"), "a group's own lr wins; the rest come from the defaults"
    a.grad, c.grad = grad([1.0, -1.0, 2.0]), grad([2.0])
    a_array, b_before = a.data, b.data.copy()
    opt.step()
    assert a.data is a_array, "step must write into p.data in place, not replace the array"
    assert np.allclose(a.data, [0.9, 2.1, 2.8]) and np.allclose(c.data, [3.0]), \
        f"one step: a = [1, 2, 3] - 0.1 * g = [0.9, 2.1, 2.8], c = 4 - 0.5 * 2 = 3 (its group's lr); got {a.data}, {c.data}"
    assert np.array_equal(b.data, b_before) and not opt.state.get(b), "a parameter whose grad is None must not change or get state"
    assert opt.state[a]["step"] == 1 and opt.state[c]["step"] == 1, "step must pass each parameter its own state dict"
    assert np.array_equal(a.grad.data, [1.0, -1.0, 2.0]), "step must not change the gradients"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(601)
    for i in range(4):
        shapes = [tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3)))) for _ in range(4)]
        ps = [make(rng.standard_normal(s)) for s in shapes]
        lrs = [float(rng.uniform(0.01, 1.0)) for _ in range(2)]
        opt = Descent((p for p in [{"params": ps[:1]}, {"params": ps[1:], "lr": lrs[1]}]), lr=lrs[0])
        for _ in range(3):
            for k, p in enumerate(ps):
                p.grad = grad(rng.standard_normal(shapes[k])) if rng.random() < 0.6 else None
            opt.step()
        for k, p in enumerate(ps):
            observe(f"random run {i}: parameter {k} after three steps", p.data)
            observe(f"random run {i}: step count of parameter {k}", opt.state.get(p, {}).get("step", 0))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_optimizer_base()

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base-zero-grad", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_optimizer_base_zero_grad():
    """zero_grad() sets every .grad to None; zero_grad(set_to_none=False) fills the existing arrays with 0 and
    leaves a missing gradient missing."""
    a, b, c = make([1.0, 2.0, 3.0]), make([[0.5], [-1.0]]), make([4.0])
    opt = Descent([{"params": [a, b]}, {"params": [c]}])
    a.grad, c.grad = grad([1.0, -1.0, 2.0]), grad([2.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None and c.grad is None, "zero_grad() must set every .grad to None"
    a.grad = kept = grad([5.0, 5.0, 5.0])
    opt.zero_grad(set_to_none=False)
    assert a.grad is kept and np.array_equal(a.grad.data, np.zeros(3)), "zero_grad(set_to_none=False) must fill with 0"
    assert b.grad is None, "zero_grad(set_to_none=False) must leave a missing gradient missing"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6011)
    ps = [make(rng.standard_normal(3)) for _ in range(4)]
    opt = Descent([{"params": ps[:2]}, {"params": ps[2:]}])
    for k, p in enumerate(ps):
        p.grad = grad(rng.standard_normal(3)) if k != 1 else None
    opt.zero_grad(set_to_none=False)
    observe("zero_grad(set_to_none=False): each gradient, None where there was none",
            [None if p.grad is None else p.grad.data for p in ps])
    opt.zero_grad()
    observe("zero_grad(): which gradients are None", [p.grad is None for p in ps])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_optimizer_base_zero_grad()

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base-state-dict", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_optimizer_base_state_dict():
    """state_dict() saves every non-empty state under the parameter's position across the groups (a = 0, b = 1,
    c = 2), as copies, and each group's hyper-parameters with its positions."""
    opt, (a, b, c) = two_descent_steps()
    sd = opt.state_dict()
    assert set(sd["state"]) == {0, 2}, f"state is saved by position (a=0, b=1, c=2), only non-empty: got {set(sd['state'])}"
    assert sd["state"][0]["step"] == 2 and sd["state"][2]["step"] == 2, "the step counts must be saved"
    assert np.array_equal(sd["state"][0]["last_grad"], [0.5, 0.5, 0.5]), "buffers must be saved"
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]], "each saved group lists its positions"
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5], "each saved group keeps its hyper-parameters"
    assert sd["state"][0]["last_grad"] is not opt.state[a]["last_grad"], "state_dict must copy the buffers"
    opt.state[a]["last_grad"][0] = 99.0
    assert sd["state"][0]["last_grad"][0] == 0.5, "a saved state_dict changed when the optimizer's buffer changed"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6012)
    for i in range(4):
        shapes, ps, opt = random_descent_run(rng, 0.5)
        sd = opt.state_dict()
        observe(f"random run {i}: positions in state_dict['state']", sorted(sd["state"]))
        observe(f"random run {i}: saved step counts", [sd["state"][k]["step"] for k in sorted(sd["state"])])
        observe(f"random run {i}: saved positions and learning rates", [(g["params"], g["lr"]) for g in sd["param_groups"]])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_optimizer_base_state_dict()

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base-load", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_optimizer_base_load_state_dict():
    """load_state_dict puts each saved group's hyper-parameters and copies of the saved buffers onto this
    optimizer's own parameters, position by position; groups that do not match raise ValueError."""
    opt, _ = two_descent_steps()
    sd = opt.state_dict()
    a2, b2, c2 = make([0.0, 0.0, 0.0]), make([[0.0], [0.0]]), make([0.0])
    opt2 = Descent([{"params": [a2, b2]}, {"params": [c2]}], lr=0.3)
    opt2.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == [0.1, 0.5], "load_state_dict must restore each group's lr"
    assert opt2.param_groups[0]["params"][0] is a2, "load_state_dict must keep this optimizer's own parameters"
    assert opt2.state[a2]["step"] == 2 and opt2.state[c2]["step"] == 2 and not opt2.state.get(b2), "a2, c2 get a's and c's step counts; b2 none"
    assert np.array_equal(opt2.state[a2]["last_grad"], [0.5, 0.5, 0.5]), "buffers must be restored"
    sd["state"][0]["last_grad"][1] = -7.0
    assert opt2.state[a2]["last_grad"][1] == 0.5, "load_state_dict must copy the buffers, not share them"
    for wrong in (Descent([a2, b2, c2]), Descent([{"params": [a2]}, {"params": [b2, c2]}])):
        assert error_message(ValueError, wrong.load_state_dict, opt.state_dict()) is not None, "groups that do not match must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6013)
    for i in range(4):
        shapes, ps, opt = random_descent_run(rng, 0.6)
        fresh = [make(np.zeros(s)) for s in shapes]
        opt2 = Descent([{"params": fresh[:1]}, {"params": fresh[1:]}], lr=5.0)
        opt2.load_state_dict(opt.state_dict())
        for k in range(4):
            restored = opt2.state.get(fresh[k]) or {}
            observe(f"random run {i}: restored step count of parameter {k}", restored.get("step"))
            observe(f"random run {i}: restored last_grad of parameter {k}", restored.get("last_grad"), rtol=0.0, atol=0.0)
        observe(f"random run {i}: restored learning rates", [g["lr"] for g in opt2.param_groups], rtol=0.0, atol=0.0)
    x32 = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = Descent([x32])
    sd = {"state": {0: {"step": 1, "last_grad": np.ones(3, dtype=np.float64)}}, "param_groups": [{"lr": 0.2, "tag": "t", "params": [0]}]}
    opt.load_state_dict(sd)
    observe("float64 buffer loaded onto a float32 parameter: dtype", str(opt.state[x32]["last_grad"].dtype))
    observe("load_state_dict with a buffer of another shape: ValueError",
            error_message(ValueError, Descent([make([1.0, 2.0])]).load_state_dict, sd) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_optimizer_base_load_state_dict()

# %% [markdown]
# ## 2. SGD, momentum and Nesterov
#
# Gradient descent steps against the gradient: p <- p - lr * g. Momentum keeps a running direction b, the
# velocity: steps grow along directions where successive gradients agree and cancel where they oscillate,
# which speeds up narrow valleys. PyTorch's rule, with g the gradient:
#
#     g <- g + weight_decay * p                    (L2 penalty 0.5 * weight_decay * |p|^2, when weight_decay != 0)
#     b <- g                                       (first step: no history yet, no dampening)
#     b <- momentum * b + (1 - dampening) * g      (later steps)
#     d <- g + momentum * b   if nesterov,  else  d <- b
#     p <- p - lr * d
#
# Nesterov momentum looks ahead: the step uses the gradient plus the velocity it is about to have, which
# reduces overshoot. PyTorch allows it only with momentum > 0 and dampening = 0; the given constructor checks
# that and the ranges of the other arguments.
#
# **Task: `SGD._update`.** Keep the velocity in `state["momentum_buffer"]` (PyTorch's name), created on the
# first step as a copy of g. With momentum 0, keep no state.
#
# Pitfalls: inside `_update`, `param = param - lr * d` only rebinds the local name and the parameter never
# changes: write into the array (`param -= lr * d`). And `grad += weight_decay * param` would change `p.grad`
# itself: build a new array.

# %% nbgrader={"grade": false, "grade_id": "sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        _require(lr >= 0.0, "lr", lr, ">= 0")
        _require(momentum >= 0.0, "momentum", momentum, ">= 0")
        _require(weight_decay >= 0.0, "weight_decay", weight_decay, ">= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"nesterov=True requires momentum > 0 and dampening = 0, "
                             f"got momentum={momentum!r}, dampening={dampening!r}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """b <- momentum * b + (1 - dampening) * g (b = g at first); p <- p - lr * (g + momentum * b if nesterov else b)."""
        ### BEGIN SOLUTION
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param  # a new array: p.grad stays untouched
        if momentum != 0:
            if "momentum_buffer" not in state:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
        ### END SOLUTION

# %% [markdown]
# The next cells check two steps by hand. With p = 0, gradients g1 = [1, 2] then g2 = [0.5, -1], lr = 0.1 and
# momentum 0.9: the velocity is [1, 2], then 0.9 * [1, 2] + [0.5, -1] = [1.4, 0.8], so p is [-0.1, -0.2], then
# [-0.24, -0.28]. With Nesterov the steps are 0.1 * (g1 + 0.9 * g1) and 0.1 * (g2 + 0.9 * [1.4, 0.8]), giving
# [-0.19, -0.38], then [-0.366, -0.352]. The third cell minimizes a quadratic through autograd.

# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_sgd():
    """Plain SGD steps p <- p - lr * (g + weight_decay * p) and leaves p.grad alone; invalid hyper-parameters raise
    ValueError naming them."""
    path, p, _ = run(SGD, [[0.5, 1.0]], [1.0, -2.0], lr=0.1)
    assert np.allclose(path[0], [0.95, -2.1]), f"p - lr * g = [0.95, -2.1], got {path[0]}"
    path, p, _ = run(SGD, [[0.5, 1.0]], [1.0, -2.0], lr=0.1, weight_decay=0.1)
    assert np.allclose(path[0], [0.94, -2.08]), f"with weight_decay 0.1 the step uses g + 0.1 * p: expected [0.94, -2.08], got {path[0]}"
    assert np.array_equal(p.grad.data, [0.5, 1.0]), "weight decay must not change p.grad itself"
    for kwargs, name in [({"lr": -0.1}, "lr"), ({"momentum": -0.5}, "momentum"), ({"weight_decay": -1.0}, "weight_decay"),
                         ({"nesterov": True}, "momentum"), ({"momentum": 0.9, "dampening": 0.1, "nesterov": True}, "dampening")]:
        message = error_message(ValueError, SGD, [make([1.0])], **kwargs)
        assert message is not None and name in message, f"SGD(**{kwargs}) must raise ValueError naming {name!r}, got {message!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6021)
    for i, shape in enumerate([(3, 1), (5,), (2, 3), (1,)]):
        hp = dict(lr=float(rng.uniform(0.01, 0.5)), weight_decay=float(rng.choice([0.0, rng.uniform(0, 0.1)])))
        path, _, _ = run(SGD, [rng.standard_normal(shape) for _ in range(3)], rng.standard_normal(shape), **hp)
        observe(f"plain random case {i} on {shape}: parameter after each step", path, rtol=1e-10, atol=1e-12)
    p = make([1.0, 2.0])
    opt = SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    p.grad = grad([1.0, 1.0])
    opt.step()
    observe("step after group['lr'] was changed to 0.5", p.data)
    observe("SGD's default lr", SGD([p]).param_groups[0]["lr"], rtol=0.0, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sgd()

# %% nbgrader={"grade": true, "grade_id": "test-sgd-momentum", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_sgd_momentum():
    """The velocity b <- momentum * b + (1 - dampening) * g (b = g at first) lives in state['momentum_buffer'];
    the step is lr * b, or lr * (g + momentum * b) with Nesterov. Two steps by hand, then float32 in place."""
    g1, g2 = [1.0, 2.0], [0.5, -1.0]
    cases = [  # options, p after step 1, p after step 2, velocity after step 2
        ({"momentum": 0.9}, [-0.1, -0.2], [-0.24, -0.28], [1.4, 0.8]),
        ({"momentum": 0.9, "dampening": 0.5}, [-0.1, -0.2], [-0.215, -0.33], [1.15, 1.3]),
        ({"momentum": 0.9, "nesterov": True}, [-0.19, -0.38], [-0.366, -0.352], [1.4, 0.8]),
    ]
    for options, want1, want2, velocity in cases:
        path, p, opt = run(SGD, [g1, g2], [0.0, 0.0], lr=0.1, **options)
        assert np.allclose(path[0], want1) and np.allclose(path[1], want2), \
            f"SGD(lr=0.1, **{options}) from 0 with gradients {g1}, {g2}: expected {want1}, {want2}, got {path}"
        assert np.allclose(opt.state[p].get("momentum_buffer"), velocity), f"{options}: state['momentum_buffer'] should be {velocity}"
    p32, array = float32_steps(SGD, 1.0, 2, lr=np.float64(0.1), momentum=0.9)
    assert p32.data is array and p32.dtype == np.float32, "the update must stay in place and keep float32"
    assert np.allclose(p32.data.ravel(), [0.71, 1.71, 2.71]), f"two momentum steps on ones: p - 0.1 - 0.19, got {p32.data.ravel()}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(602)
    case = 0
    for shape in [(3, 1), (5,), (2, 3), (1,)]:
        for _ in range(3):
            nesterov = bool(rng.random() < 0.4)
            hp = dict(lr=float(rng.uniform(0.01, 0.5)), momentum=float(rng.choice([0.0, rng.uniform(0.1, 0.99)])),
                      dampening=0.0 if nesterov else float(rng.choice([0.0, rng.uniform(0, 0.9)])),
                      weight_decay=float(rng.choice([0.0, rng.uniform(0, 0.1)])), nesterov=nesterov)
            if nesterov and hp["momentum"] == 0.0:
                hp["momentum"] = 0.5
            x0 = rng.standard_normal(shape)
            grads = [rng.standard_normal(shape) for _ in range(5)]
            path, _, _ = run(SGD, grads, x0, **hp)
            for k in range(5):
                observe(f"random case {case} on {shape}: parameter after step {k + 1}", path[k], rtol=1e-10, atol=1e-12)
            case += 1
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sgd_momentum()

# %% nbgrader={"grade": true, "grade_id": "test-sgd-converges", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_sgd_converges():
    """SGD with momentum, on gradients from autograd, reaches the minimum [3, -1] of 0.5 * sum(a * (x - c)^2)."""
    x = minimize(SGD, 300, lr=0.05, momentum=0.9)
    assert np.allclose(x, [3.0, -1.0], atol=1e-4), f"SGD with momentum must reach the minimum [3, -1], got {x}"

    ### BEGIN HIDDEN TESTS
    for lr, momentum, nesterov in ((0.02, 0.0, False), (0.05, 0.5, False), (0.03, 0.8, True)):
        x = minimize(SGD, 20, lr=lr, momentum=momentum, nesterov=nesterov)
        observe(f"x after 20 steps of SGD(lr={lr}, momentum={momentum}, nesterov={nesterov})", x, rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sgd_converges()

# %% [markdown]
# ## 3. RMSprop
#
# One learning rate for all coordinates is too large for steep directions and too small for flat ones.
# RMSprop divides each coordinate's step by the root mean square of its recent gradients, an exponential
# moving average v with decay `alpha`:
#
#     g <- g + weight_decay * p
#     v <- alpha * v + (1 - alpha) * g^2                  (v starts at 0)
#     centered:  m <- alpha * m + (1 - alpha) * g;  s = sqrt(v - m^2) + eps      (m starts at 0)
#     otherwise: s = sqrt(v) + eps
#     momentum > 0:  b <- momentum * b + g / s;  p <- p - lr * b          (b starts at 0)
#     otherwise:     p <- p - lr * g / s
#
# `centered` divides by an estimate of the gradient's standard deviation instead of its root mean square.
#
# **Task: `RMSprop._update`.** Buffers, as PyTorch names them: `state["square_avg"]` (v), `state["grad_avg"]`
# (m), `state["momentum_buffer"]` (b); use `_buffer` to create them, and count `state["step"]`.
#
# Pitfalls: there is no bias correction, so the first step is g / sqrt((1 - alpha) g^2) = 10 * sign(g) times
# lr for alpha = 0.99: much larger than later steps. And `eps` is added after the square root, as in PyTorch
# (some libraries add it inside).

# %% nbgrader={"grade": false, "grade_id": "rmsprop", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class RMSprop(Optimizer):
    """Divides each coordinate's step by the root mean square of its recent gradients."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        _require(lr >= 0.0, "lr", lr, ">= 0")
        _require(0.0 <= alpha <= 1.0, "alpha", alpha, "in [0, 1]")
        _require(eps >= 0.0, "eps", eps, ">= 0")
        _require(weight_decay >= 0.0, "weight_decay", weight_decay, ">= 0")
        _require(momentum >= 0.0, "momentum", momentum, ">= 0")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """v <- alpha * v + (1 - alpha) * g^2; p <- p - lr * g / (sqrt(v) + eps) (centered: sqrt(v - m^2))."""
        ### BEGIN SOLUTION
        alpha, momentum = group["alpha"], group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        state["step"] = state.get("step", 0) + 1
        square_avg = _buffer(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = _buffer(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            scale = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            scale = np.sqrt(square_avg) + group["eps"]
        if momentum > 0:
            buf = _buffer(state, "momentum_buffer", param)
            buf *= momentum
            buf += grad / scale
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / scale
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-rmsprop", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_rmsprop():
    """RMSprop steps by lr * g / (sqrt(v) + eps), v <- alpha v + (1 - alpha) g^2 from 0, with g + weight_decay * p
    for g; invalid hyper-parameters raise ValueError naming them."""
    x0, g1, g2 = np.array([1.0, -1.0]), np.array([0.2, -0.4]), np.array([-0.1, 0.3])
    v1, v2 = 0.01 * g1**2, 0.99 * 0.01 * g1**2 + 0.01 * g2**2
    path, _, _ = run(RMSprop, [g1, g2], x0, lr=0.01)
    assert np.allclose(path[0], [0.9, -0.9], atol=1e-6), f"first step is lr * g / sqrt(0.01 g^2) = 0.1 * sign(g): expected [0.9, -0.9], got {path[0]}"
    x2 = x0 - 0.01 * g1 / (np.sqrt(v1) + 1e-8) - 0.01 * g2 / (np.sqrt(v2) + 1e-8)
    assert np.allclose(path[1], x2, rtol=1e-10), f"second step: expected {x2}, got {path[1]}"
    gw = g1 + 0.1 * x0
    path, _, _ = run(RMSprop, [g1], x0, lr=0.01, weight_decay=0.1)
    assert np.allclose(path[0], x0 - 0.01 * gw / (np.sqrt(0.01 * gw**2) + 1e-8), rtol=1e-10), "weight decay: use g + weight_decay * p"
    for kwargs, name in [({"lr": -1.0}, "lr"), ({"alpha": -0.1}, "alpha"), ({"eps": -1e-8}, "eps"),
                         ({"weight_decay": -0.1}, "weight_decay"), ({"momentum": -0.9}, "momentum")]:
        message = error_message(ValueError, RMSprop, [make([1.0])], **kwargs)
        assert message is not None and name in message, f"RMSprop(**{kwargs}) must raise ValueError naming {name!r}, got {message!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6031)
    for i, shape in enumerate([(3, 1), (5,), (2, 2)]):
        hp = dict(lr=float(rng.uniform(1e-3, 0.1)), alpha=float(rng.uniform(0.8, 0.999)), eps=float(rng.choice([1e-8, 1e-3])),
                  weight_decay=float(rng.choice([0.0, rng.uniform(0, 0.1)])))
        path, _, _ = run(RMSprop, [rng.standard_normal(shape) for _ in range(5)], rng.standard_normal(shape), **hp)
        observe(f"plain random case {i} on {shape}: parameter after each step", path, rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_rmsprop()

# %% nbgrader={"grade": true, "grade_id": "test-rmsprop-centered-momentum", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_rmsprop_centered_momentum():
    """centered divides by sqrt(v - m^2) + eps, m the moving average of g; with momentum, b <- momentum * b + g / s
    and the step is lr * b; float32 stays float32, in place."""
    x0, g1, g2 = np.array([1.0, -1.0]), np.array([0.2, -0.4]), np.array([-0.1, 0.3])
    (v1, v2), (m1, m2) = (0.01 * g1**2, 0.99 * 0.01 * g1**2 + 0.01 * g2**2), (0.01 * g1, 0.99 * 0.01 * g1 + 0.01 * g2)
    c1 = x0 - 0.01 * g1 / (np.sqrt(v1 - m1**2) + 1e-8)
    c2 = c1 - 0.01 * g2 / (np.sqrt(v2 - m2**2) + 1e-8)
    path, _, _ = run(RMSprop, [g1, g2], x0, lr=0.01, centered=True)
    assert np.allclose(path[0], c1, rtol=1e-10) and np.allclose(path[1], c2, rtol=1e-10), f"centered: expected {c1}, {c2}, got {path}"
    b1 = g1 / (np.sqrt(v1) + 1e-8)
    b2 = 0.9 * b1 + g2 / (np.sqrt(v2) + 1e-8)
    path, _, _ = run(RMSprop, [g1, g2], x0, lr=0.01, momentum=0.9)
    assert np.allclose(path[1], x0 - 0.01 * b1 - 0.01 * b2, rtol=1e-10), f"momentum: expected {x0 - 0.01 * (b1 + b2)}, got {path[1]}"
    p, array = float32_steps(RMSprop, 0.3, 1, lr=0.01, momentum=0.5, centered=True)
    assert p.data is array and p.dtype == np.float32, "the update must stay in place and keep float32"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(603)
    case = 0
    for shape in [(3, 1), (5,), (2, 2)]:
        for centered in (False, True):
            for momentum in (0.0, float(rng.uniform(0.1, 0.95))):
                hp = dict(lr=float(rng.uniform(1e-3, 0.1)), alpha=float(rng.uniform(0.8, 0.999)), eps=float(rng.choice([1e-8, 1e-3])),
                          weight_decay=float(rng.choice([0.0, rng.uniform(0, 0.1)])), momentum=momentum, centered=centered)
                x0 = rng.standard_normal(shape)
                grads = [rng.standard_normal(shape) for _ in range(5)]
                path, _, _ = run(RMSprop, grads, x0, **hp)
                for k in range(5):
                    observe(f"random case {case} on {shape}: parameter after step {k + 1}", path[k], rtol=1e-9, atol=1e-12)
                case += 1
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_rmsprop_centered_momentum()

# %% [markdown]
# ## 4. Adam
#
# Adam keeps two moving averages per coordinate: m of the gradient (momentum) and v of its square
# (RMSprop's scale), and steps by their ratio:
#
#     g <- g + weight_decay * p                     (L2 penalty added to the gradient)
#     t <- t + 1
#     m <- beta1 * m + (1 - beta1) * g              (m, v start at 0)
#     v <- beta2 * v + (1 - beta2) * g^2
#     p <- p - lr * m_hat / (sqrt(v_hat) + eps),   m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
#
# Bias correction: m and v start at 0, so after t steps their weights sum to 1 - beta^t, not 1; dividing by it
# undoes the pull toward 0. On the first step m_hat = g and v_hat = g^2, so every coordinate moves by about lr,
# whatever the gradient's scale.
#
# **Task: `Adam._update`.** Buffers as PyTorch names them: `state["step"]` (t), `state["exp_avg"]` (m),
# `state["exp_avg_sq"]` (v).
#
# Pitfall: t counts the updates of this parameter, not calls to `step()`: a parameter that had no gradient for
# a while starts its bias correction when it first gets one. Keeping t in the parameter's state does this.

# %% nbgrader={"grade": false, "grade_id": "adam", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Adam(Optimizer):
    """Momentum on the gradient divided by the root of a moving average of its square, both bias-corrected."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        _require(lr >= 0.0, "lr", lr, ">= 0")
        _require(0.0 <= betas[0] < 1.0, "betas[0]", betas[0], "in [0, 1)")
        _require(0.0 <= betas[1] < 1.0, "betas[1]", betas[1], "in [0, 1)")
        _require(eps >= 0.0, "eps", eps, ">= 0")
        _require(weight_decay >= 0.0, "weight_decay", weight_decay, ">= 0")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """m, v <- moving averages of g, g^2; p <- p - lr * m_hat / (sqrt(v_hat) + eps), hats = bias-corrected."""
        ### BEGIN SOLUTION
        beta1, beta2 = group["betas"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        state["step"] = t = state.get("step", 0) + 1
        exp_avg = _buffer(state, "exp_avg", param)
        exp_avg_sq = _buffer(state, "exp_avg_sq", param)
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        m_hat = exp_avg / (1 - beta1**t)
        v_hat = exp_avg_sq / (1 - beta2**t)
        param -= group["lr"] * m_hat / (np.sqrt(v_hat) + group["eps"])
        ### END SOLUTION

# %% [markdown]
# The next three cells check the first step (about lr * sign(g); a zero gradient does not move), a second step
# by hand, weight decay, per-parameter step counts, and convergence on a quadratic through autograd.

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_adam():
    """Adam steps by lr * m_hat / (sqrt(v_hat) + eps), the bias-corrected moving averages of g and g^2: the first
    step is about lr * sign(g) and a zero gradient does not move; weight_decay adds wd * p to g."""
    x0, g1, g2 = np.array([1.0, -2.0, 0.5]), np.array([0.1, -3.0, 0.0]), np.array([0.3, 1.0, -2.0])
    path, _, _ = run(Adam, [g1, g2], x0, lr=0.001)
    want1 = x0 - 0.001 * g1 / (np.abs(g1) + 1e-8)
    assert np.allclose(path[0], want1, rtol=1e-12), f"first step moves by lr * g / (|g| + eps): expected {want1}, got {path[0]}"
    assert np.allclose(path[0], [0.999, -1.999, 0.5]), f"first step is about lr * sign(g): expected [0.999, -1.999, 0.5], got {path[0]}"
    m, v = 0.9 * 0.1 * g1 + 0.1 * g2, 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    want2 = want1 - 0.001 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    assert np.allclose(path[1], want2, rtol=1e-12), f"second step: expected {want2}, got {path[1]}"
    path, _, _ = run(Adam, [g1], x0, lr=0.01, betas=(0.5, 0.9), eps=0.1, weight_decay=0.2)
    gw = g1 + 0.2 * x0
    want = x0 - 0.01 * gw / (np.abs(gw) + 0.1)
    assert np.allclose(path[0], want, rtol=1e-12), f"weight decay, betas and eps: expected {want}, got {path[0]}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(604)
    case = 0
    for shape in [(3, 1), (5,), (2, 3), (1,)]:
        for _ in range(3):
            hp = dict(lr=float(rng.uniform(1e-3, 0.1)), betas=(float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999))),
                      eps=float(rng.choice([1e-8, 1e-4])), weight_decay=float(rng.choice([0.0, rng.uniform(0, 0.1)])))
            x0 = rng.standard_normal(shape)
            grads = [rng.standard_normal(shape) * 10 ** rng.uniform(-2, 2) for _ in range(6)]
            path, _, _ = run(Adam, grads, x0, **hp)
            for k in range(6):
                observe(f"random case {case} on {shape}: parameter after step {k + 1}", path[k], rtol=1e-9, atol=1e-12)
            case += 1
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_adam()

# %% nbgrader={"grade": true, "grade_id": "test-adam-per-parameter", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_adam_per_parameter():
    """Adam counts t per parameter: one whose first gradient comes on the second step() is bias-corrected with
    t = 1; float32 stays float32, in place; invalid hyper-parameters raise ValueError naming them."""
    a, b = make([1.0]), make([1.0])
    opt = Adam([a, b], lr=0.1)
    a.grad = grad([1.0])
    opt.step()
    b.grad = grad([-4.0])
    opt.step()
    assert np.allclose(b.data, [1.1]), f"b's first update must be bias-corrected with t = 1: 1 + 0.1 = 1.1, got {b.data}"
    assert np.allclose(a.data, [0.8]), f"a got the same gradient twice, so two steps of about lr: 0.8, got {a.data}"
    p, array = float32_steps(Adam, 0.3, 1, lr=0.01)
    assert p.data is array and p.dtype == np.float32, "the update must stay in place and keep float32"
    for name, value in [("lr", -1.0), ("betas", (1.0, 0.999)), ("betas", (0.9, -0.1)), ("eps", -1.0), ("weight_decay", -0.1)]:
        message = error_message(ValueError, Adam, [make([1.0])], **{name: value})
        assert message is not None and name in message, f"Adam({name}={value}) must raise ValueError naming {name!r}, got {message!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6041)
    for i in range(3):
        ps = [make(rng.standard_normal(2)) for _ in range(3)]
        opt = Adam(ps, lr=float(rng.uniform(0.01, 0.1)))
        for _ in range(4):
            for p in ps:
                p.grad = grad(rng.standard_normal(2)) if rng.random() < 0.5 else None
            opt.step()
        observe(f"random run {i}: parameters after four steps with gradients now and then", [p.data for p in ps],
                rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_adam_per_parameter()

# %% nbgrader={"grade": true, "grade_id": "test-adam-converges", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_adam_converges():
    """Adam, on gradients from autograd, reaches the minimum [3, -1] of 0.5 * sum(a * (x - c)^2)."""
    x = minimize(Adam, 500, lr=0.05)
    assert np.allclose(x, [3.0, -1.0], atol=1e-2), f"Adam must reach the minimum [3, -1], got {x}"

    ### BEGIN HIDDEN TESTS
    for lr, betas in ((0.05, (0.9, 0.999)), (0.1, (0.5, 0.9))):
        x = minimize(Adam, 20, lr=lr, betas=betas)
        observe(f"x after 20 steps of Adam(lr={lr}, betas={betas})", x, rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_adam_converges()

# %%
if __name__ == "__main__":
    # 100 steps from x = (1, 1) down the narrow valley f(x) = 0.5 * (100 x0^2 + x1^2), 100 times steeper along
    # x0 than along x1. Plain gradient descent is stable along x0 only for lr < 2 / 100.
    _steepness = np.array([100.0, 1.0])
    for _name, _cls, _options in [("SGD lr=0.021", SGD, {"lr": 0.021}), ("SGD lr=0.019", SGD, {"lr": 0.019}),
                                  ("SGD lr=0.019 momentum=0.9", SGD, {"lr": 0.019, "momentum": 0.9}),
                                  ("Adam lr=0.1", Adam, {"lr": 0.1})]:
        _x = make([1.0, 1.0])
        _opt = _cls([_x], **_options)
        for _ in range(100):
            _x.grad = grad(_steepness * _x.data)  # the gradient of f, written out
            _opt.step()
        print(f"{_name:>26}: x0 {_x.data[0]:+.1e}  x1 {_x.data[1]:+.1e}  "
              f"f {0.5 * float(_steepness @ _x.data ** 2):.1e}")

# %% [markdown]
# ## 5. AdamW: decoupled weight decay
#
# L2 regularisation adds 0.5 * wd * |p|^2 to the loss, so wd * p to the gradient. With SGD this is the same as
# shrinking the weights by lr * wd * p every step ("weight decay"). With Adam it is not: the extra wd * p
# goes through m_hat / (sqrt(v_hat) + eps) and is divided by the gradient's scale, so weights with large
# gradients are hardly decayed at all, and the decay of a weight depends on its gradient history.
# AdamW (Loshchilov and Hutter, 2019) decouples the two: shrink the weights, then take an Adam step on the
# gradient alone:
#
#     p <- p - lr * wd * p
#     p <- Adam step with weight_decay = 0
#
# Example, first step, lr = 0.001, wd = 0.01, p = 1. With a zero gradient, Adam with L2 sees g = 0.01, and its
# normalized step moves p by lr * 0.01 / 0.01 = 0.001, a hundred times more than AdamW's lr * wd * p = 0.00001.
# With a gradient of 100, Adam with L2 moves p by lr * 100.01 / 100.01 = 0.001, exactly as without any decay,
# while AdamW moves it by 0.001 + 0.00001: the decay is the same whatever the gradient.
#
# **Task: `AdamW._update`.** Shrink `param` in place, then call Adam's update (`super()._update(...)`) with a
# copy of the group whose `"weight_decay"` is 0. AdamW's default `weight_decay` is 0.01, Adam's is 0.

# %% nbgrader={"grade": false, "grade_id": "adamw", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p - lr * wd * p, then an Adam step on the gradient alone."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """p <- p * (1 - lr * wd); then Adam's update with weight_decay = 0."""
        ### BEGIN SOLUTION
        param *= 1 - group["lr"] * group["weight_decay"]  # decay the weights, not the gradient
        super()._update(param, grad, state, {**group, "weight_decay": 0.0})
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-adamw", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_adamw():
    """AdamW shrinks p by lr * wd * p before a plain Adam step; Adam's L2 decay goes through the normalization
    instead: with a zero gradient it moves p by about lr, with a large one it vanishes."""
    decay = {"lr": 0.001, "weight_decay": 0.01}
    (l2,), (decoupled,) = (run(cls, [[0.0]], [1.0], **decay)[0] for cls in (Adam, AdamW))
    assert np.allclose(1.0 - l2, 0.001, rtol=1e-5), f"Adam with L2 and zero gradient moves p by about lr = 0.001, got {1.0 - l2}"
    assert np.allclose(1.0 - decoupled, 1e-5, rtol=1e-9), f"AdamW with zero gradient moves p by lr * wd * p = 1e-5, got {1.0 - decoupled}"
    (l2,), (plain,), (decoupled,) = (run(cls, [[100.0]], [1.0], **kw)[0] for cls, kw in ((Adam, decay), (Adam, {"lr": 0.001}), (AdamW, decay)))
    assert np.allclose(l2, plain, rtol=1e-12), "with a large gradient, Adam with L2 equals Adam without decay"
    assert np.allclose(plain - decoupled, 1e-5, rtol=1e-6), f"AdamW decays by lr * wd * p = 1e-5 on top of the Adam step, got {plain - decoupled}"
    p0, g = np.array([2.0, -1.0, 0.5]), np.array([0.5, 0.2, -1.0])
    (got,), _, opt = run(AdamW, [g], p0, lr=0.1, weight_decay=0.5)
    want = p0 * (1 - 0.1 * 0.5) - 0.1 * g / (np.abs(g) + 1e-8)
    assert np.allclose(got, want, rtol=1e-12), f"AdamW first step: expected {want}, got {got}"
    group = AdamW([make([1.0])]).param_groups[0]
    assert opt.param_groups[0]["weight_decay"] == 0.5 and (group["weight_decay"], group["lr"], group["betas"]) == (0.01, 1e-3, (0.9, 0.999)), \
        "AdamW keeps its weight_decay in the group; its default is 0.01, its other defaults are Adam's"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(605)
    for shape in [(3, 1), (5,), (2, 2)]:
        lr, wd = float(rng.uniform(1e-3, 0.1)), float(rng.uniform(0.01, 0.5))
        betas = (float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.999)))
        x0 = rng.standard_normal(shape)
        grads = [rng.standard_normal(shape) for _ in range(5)]
        path, _, opt = run(AdamW, grads, x0, lr=lr, betas=betas, weight_decay=wd)
        for t, x in enumerate(path, start=1):
            observe(f"random case on {shape}: parameter after step {t}", x, rtol=1e-9, atol=1e-12)
        observe(f"random case on {shape}: group's weight_decay after five steps", opt.param_groups[0]["weight_decay"], rtol=0.0, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_adamw()

# %%
if __name__ == "__main__":
    # Two weights start at 1 and get gradients that average to 0 (alternately +g and -g), g = 100 for one and
    # g = 0.01 for the other, for 200 steps with lr = 0.01 and weight_decay = 0.1: what the decay leaves of each.
    for _name, _cls in [("Adam (L2)", Adam), ("AdamW", AdamW)]:
        _w = make([1.0, 1.0])
        _opt = _cls([_w], lr=0.01, weight_decay=0.1)
        for _step in range(200):
            _w.grad = grad([100.0, 0.01] if _step % 2 == 0 else [-100.0, -0.01])
            _opt.step()
        print(f"{_name:>9}: weight with large gradients {_w.data[0]:+.3f}, with small gradients {_w.data[1]:+.3f}")

# %% [markdown]
# ## 6. Learning-rate schedules
#
# A large learning rate moves fast early; a small one lets training settle late. A scheduler sets
# `group["lr"]` of every group of an optimizer from a counter, `last_epoch`. Call `scheduler.step()` once per
# epoch (or once per iteration for warm-up), after `optimizer.step()`.
#
# The base class `LRScheduler` is given and follows PyTorch: the constructor stores each group's starting
# rate as `group["initial_lr"]` (read back as `self.base_lrs`) and already takes step 0, so right after
# construction `last_epoch` is 0 and the groups run at `get_lr()` for epoch 0. Each `step()` adds 1 to
# `last_epoch` and writes `get_lr()` into the groups; `get_last_lr()` returns the rates in use.
#
# **Task: `get_lr` of three schedules**, each a closed form in e = `self.last_epoch`, returning one rate per
# base rate in `self.base_lrs`:
# - `StepLR(optimizer, step_size, gamma=0.1)`: base * gamma^(e // step_size).
# - `CosineAnnealingLR(optimizer, T_max, eta_min=0.0)`: eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2.
#   It reaches eta_min at e = T_max and, as in PyTorch, rises again after.
# - `LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)`:
#   base * (start_factor + (end_factor - start_factor) * min(e, total_iters) / total_iters). Used for warm-up:
#   Adam's first moment estimates are noisy, and a few small steps at the start keep them from throwing the
#   weights far away.
#
# PyTorch computes these values recursively from the current rate (so that schedules can be chained); the
# closed forms give the same values up to rounding.
#
# Pitfall: the order. `scheduler.step()` before the first `optimizer.step()` skips the schedule's first rate.

# %% nbgrader={"grade": false, "grade_id": "lr-schedulers", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class LRScheduler:
    """Sets every group's "lr" to get_lr() for the current last_epoch; step() advances last_epoch by one."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])  # the base rate of the closed forms
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()  # as in PyTorch: construction takes step 0

    def get_lr(self) -> list[float]:
        """One learning rate per group for epoch self.last_epoch."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr")

    def step(self) -> None:
        """Advance one epoch and write the new rates into the optimizer's groups."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates set by the last step()."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer (which has its own state_dict)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """lr = base * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        _require(step_size >= 1, "step_size", step_size, ">= 1")
        self.step_size, self.gamma = step_size, gamma  # set before super().__init__, which calls get_lr
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """base * gamma ** (last_epoch // step_size) for every base rate."""
        ### BEGIN SOLUTION
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]
        ### END SOLUTION


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        _require(T_max > 0, "T_max", T_max, "> 0")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """eta_min + (base - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2 for every base rate."""
        ### BEGIN SOLUTION
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]
        ### END SOLUTION


class LinearLR(LRScheduler):
    """lr = base * factor, the factor going linearly from start_factor to end_factor in total_iters steps."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        _require(0.0 < start_factor <= 1.0, "start_factor", start_factor, "in (0, 1]")
        _require(0.0 <= end_factor <= 1.0, "end_factor", end_factor, "in [0, 1]")
        _require(total_iters >= 1, "total_iters", total_iters, ">= 1")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """base * (start + (end - start) * min(last_epoch, total_iters) / total_iters) for every base rate."""
        ### BEGIN SOLUTION
        progress = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]
        ### END SOLUTION

# %% [markdown]
# The next three cells check the rates epoch by epoch. For example `StepLR(opt, step_size=3, gamma=0.5)` at
# lr 0.1 gives 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, ...; `CosineAnnealingLR(opt, T_max=4)` at lr 1 gives 1,
# 0.854, 0.5, 0.146, 0; `LinearLR(opt)` multiplies by 1/3, 7/15, 9/15, 11/15, 13/15, 1, 1, ...

# %% nbgrader={"grade": true, "grade_id": "test-lr-schedulers", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_lr_schedulers():
    """StepLR's rate is base * gamma ** (epoch // step_size), written into the optimizer's group, the base kept
    as group['initial_lr']; invalid settings of any schedule raise ValueError naming them."""
    opt = optimizer(0.1)
    got = rates(StepLR(opt, step_size=3, gamma=0.5), 9)
    want = [[0.1 * 0.5 ** (e // 3)] for e in range(10)]
    assert isinstance(got[0], list) and np.allclose(got, want, rtol=1e-12), f"StepLR(step_size=3, gamma=0.5) from 0.1: expected {want} (lists), got {got}"
    assert math.isclose(opt.param_groups[0]["lr"], 0.0125), "the scheduler must write the rate into the optimizer's group"
    assert opt.param_groups[0]["initial_lr"] == 0.1, "the starting rate is kept as group['initial_lr']"
    for build, name in [(lambda o: StepLR(o, step_size=0), "step_size"), (lambda o: CosineAnnealingLR(o, T_max=0), "T_max"),
                        (lambda o: LinearLR(o, start_factor=0.0), "start_factor"), (lambda o: LinearLR(o, end_factor=1.5), "end_factor"),
                        (lambda o: LinearLR(o, total_iters=0), "total_iters")]:
        message = error_message(ValueError, build, optimizer(0.1))
        assert message is not None and name in message, f"an invalid {name} must raise ValueError naming it, got {message!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(606)
    for i in range(5):
        lrs = [float(x) for x in rng.uniform(0.01, 1.0, size=int(rng.integers(1, 4)))]
        size, gamma = int(rng.integers(1, 5)), float(rng.uniform(0.1, 0.9))
        got = rates(StepLR(optimizer(*lrs), step_size=size, gamma=gamma), 12)
        observe(f"StepLR, random settings {i}: rates", got, rtol=1e-12, atol=1e-8)
    opt = optimizer(0.4)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    again = StepLR(opt, step_size=1, gamma=0.5)
    observe("base_lrs of a second scheduler on the same optimizer", again.base_lrs, rtol=0.0, atol=0.0)
    observe("rate of a second scheduler on the same optimizer", again.get_last_lr(), rtol=0.0, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_lr_schedulers()

# %% nbgrader={"grade": true, "grade_id": "test-lr-schedulers-cosine", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_lr_schedulers_cosine():
    """CosineAnnealingLR's rate is eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, per group."""
    got = rates(CosineAnnealingLR(optimizer(1.0, 0.5), T_max=4), 4)
    want = [[c, 0.5 * c] for c in [1.0, 0.5 + 0.5 * math.cos(math.pi / 4), 0.5, 0.5 - 0.5 * math.cos(math.pi / 4), 0.0]]
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15), f"CosineAnnealingLR(T_max=4), two groups at 1 and 0.5: expected {want}, got {got}"
    got = rates(CosineAnnealingLR(optimizer(0.2), T_max=10, eta_min=0.01), 20)
    want = [[0.01 + 0.19 * (1 + math.cos(math.pi * e / 10)) / 2] for e in range(21)]
    assert np.allclose(got, want, rtol=1e-12), f"CosineAnnealingLR(T_max=10, eta_min=0.01) over 20 epochs: expected {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6061)
    for i in range(5):
        lrs = [float(x) for x in rng.uniform(0.01, 1.0, size=int(rng.integers(1, 4)))]
        t_max, eta = int(rng.integers(1, 8)), float(rng.uniform(0, 0.01))
        got = rates(CosineAnnealingLR(optimizer(*lrs), T_max=t_max, eta_min=eta), 2 * t_max + 3)
        observe(f"CosineAnnealingLR, random settings {i}: rates", got, rtol=1e-12, atol=1e-15)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_lr_schedulers_cosine()

# %% nbgrader={"grade": true, "grade_id": "test-lr-schedulers-linear", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_lr_schedulers_linear():
    """LinearLR's rate is base times a factor going linearly from start_factor to end_factor in total_iters steps,
    then staying there."""
    got = rates(LinearLR(optimizer(0.3)), 7)
    want = [[0.3 * f] for f in [1 / 3, 7 / 15, 9 / 15, 11 / 15, 13 / 15, 1.0, 1.0, 1.0]]
    assert np.allclose(got, want, rtol=1e-12), f"LinearLR() from 0.3: expected {want}, got {got}"
    got = rates(LinearLR(optimizer(1.0), start_factor=1.0, end_factor=0.5, total_iters=2), 3)
    assert np.allclose(got, [[1.0], [0.75], [0.5], [0.5]], rtol=1e-12), f"LinearLR decaying from 1 to 0.5 in 2 steps: got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6062)
    for i in range(5):
        lrs = [float(x) for x in rng.uniform(0.01, 1.0, size=int(rng.integers(1, 4)))]
        start, end, total = float(rng.uniform(0.01, 1)), float(rng.uniform(0, 1)), int(rng.integers(1, 7))
        got = rates(LinearLR(optimizer(*lrs), start_factor=start, end_factor=end, total_iters=total), total + 3)
        observe(f"LinearLR, random settings {i}: rates", got, rtol=1e-12, atol=1e-8)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_lr_schedulers_linear()

# %% [markdown]
# ## 7. Gradient clipping
#
# One bad batch can produce a huge gradient and throw the parameters far away (exploding gradients in deep
# and recurrent networks). Clipping by the global norm rescales all gradients together when their combined
# norm exceeds `max_norm`: the direction of the update is kept and only its length shrinks.
#
#     total = || (||g_1||_p, ..., ||g_k||_p) ||_p     (the p-norm of all gradients as one vector;
#                                                       for p = inf, the largest |g|)
#     every g_i <- g_i * min(max_norm / (total + 1e-6), 1)     (a factor of 1, no change, when total <= max_norm)
#
# A NaN or inf anywhere makes the total NaN or inf. As in PyTorch, the factor is then NaN (min must propagate it:
# `np.minimum`, not `if scale < 1`) or 0, so every gradient becomes NaN (0 times inf is NaN, too): the bad step
# shows in the whole model instead of leaving the finite gradients unclipped. With `error_if_nonfinite=True`, a
# non-finite total raises RuntimeError before any gradient changes.
#
# **Task: `clip_grad_norm_`.** The trailing underscore is PyTorch's mark for "changes its input in place": scale
# the gradient arrays themselves. Return the total norm before clipping as a float; it is worth logging, since
# a jump signals trouble. `np.linalg.norm(x.ravel(), ord=norm_type)` computes the p-norm of a vector, inf included.
# Handle the non-finite total as above.
#
# The order in a training step: `zero_grad()`, forward, `backward()`, `clip_grad_norm_`, `step()`; then
# `scheduler.step()` once per epoch.
#
# Pitfall: clipping each gradient on its own changes the direction of the update. Clip the total.

# %% nbgrader={"grade": false, "grade_id": "clip-grad-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """total = ||(||g_1||, ..., ||g_k||)||_p; scale every g by min(max_norm / (total + 1e-6), 1), NaN included."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad.data for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    ### BEGIN SOLUTION
    norms = np.array([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads])
    total = float(np.linalg.norm(norms, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}, so it cannot be "
                           "clipped; pass error_if_nonfinite=False to scale by it anyway")
    scale = np.minimum(max_norm / (total + 1e-6), 1.0)  # NaN stays NaN: a NaN gradient poisons all, as in PyTorch
    with np.errstate(invalid="ignore"):  # 0 * inf = NaN is intended here
        for g in grads:
            g *= scale  # in place: the parameters' gradients change
    return total
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-clip-grad-norm", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_clip_grad_norm():
    """The total norm is the norm of all gradients as one vector, returned as a float; above max_norm every
    gradient is scaled in place by max_norm / (total + 1e-6), below it nothing changes."""
    a, b = with_grads([3.0, 4.0], [[12.0]])  # norms 5 and 12: the total is 13
    arrays, total = (a.grad.data, b.grad.data), clip_grad_norm_([a, b], max_norm=6.5)
    assert isinstance(total, float) and math.isclose(total, 13.0, rel_tol=1e-12), f"the total norm of [3, 4] and [[12]] is the float 13, got {total!r}"
    scale = 6.5 / (13.0 + 1e-6)
    assert np.allclose(a.grad.data, [3 * scale, 4 * scale], rtol=1e-12) and np.allclose(b.grad.data, [[12 * scale]], rtol=1e-12), \
        f"every gradient must be scaled by the same factor 6.5 / (13 + 1e-6), got {a.grad.data}, {b.grad.data}"
    assert a.grad.data is arrays[0] and b.grad.data is arrays[1], "clipping must scale the gradient arrays in place"
    a, b = with_grads([3.0, 4.0], [[12.0]])
    assert math.isclose(clip_grad_norm_([a, b], max_norm=20.0), 13.0, rel_tol=1e-12), "the total norm is returned even without clipping"
    assert np.array_equal(a.grad.data, [3.0, 4.0]) and np.array_equal(b.grad.data, [[12.0]]), "below max_norm nothing changes"
    single = with_grads([0.0, 6.0, 8.0])[0]
    assert math.isclose(clip_grad_norm_(single, 1.0), 10.0), "a single Tensor is accepted, as in PyTorch"
    assert np.allclose(np.linalg.norm(single.grad.data), 1.0, rtol=1e-6), "after clipping the norm is max_norm"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(607)
    for i in range(3):
        shapes = [(3, 1), (5,), tuple(int(s) for s in rng.integers(1, 4, size=2))]
        grads = [rng.standard_normal(s) * 10 ** rng.uniform(-1, 1) for s in shapes]
        # an input, not an expected value: max_norm between 0.2 and 1.8 times the true norm, so some cases clip
        norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
        params = with_grads(*grads)
        total = clip_grad_norm_(params, float(norm * rng.uniform(0.2, 1.8)))
        observe(f"2-norm, case {i}: returned total norm", total, rtol=1e-10, atol=0.0)
        for k, p in enumerate(params):
            observe(f"2-norm, case {i}: gradient {k} after clipping", p.grad.data, rtol=1e-10, atol=1e-8)
    p32 = Tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    p32.grad = Tensor(np.full(4, 10.0, dtype=np.float32))
    total = clip_grad_norm_([p32], 2.0)
    observe("float32 gradients of norm 20: returned total norm", total, rtol=1e-6, atol=0.0)
    observe("float32 gradients clipped to norm 2: dtype", str(p32.grad.dtype))
    observe("float32 gradients clipped to norm 2: values", p32.grad.data, rtol=1e-5, atol=1e-8)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_clip_grad_norm()

# %% nbgrader={"grade": true, "grade_id": "test-clip-grad-norm-types", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_clip_grad_norm_types():
    """norm_type p takes the p-norm of the gradients' p-norms: inf gives the largest |g|, 1 the sum of all |g|;
    parameters without a gradient are skipped."""
    a, b, c = with_grads([3.0, -4.0], [[12.0]], None)
    total = clip_grad_norm_([a, b, c], max_norm=6.0, norm_type=math.inf)
    assert math.isclose(total, 12.0), f"the inf-norm is the largest |g|, 12, got {total}"
    assert np.allclose(b.grad.data, [[12 * 6 / (12 + 1e-6)]], rtol=1e-12), "inf-norm: scale by max_norm / (total + 1e-6)"
    assert c.grad is None, "a parameter without gradient must be skipped"
    a, b = with_grads([3.0, -4.0], [[12.0]])
    assert math.isclose(clip_grad_norm_([a, b], max_norm=100.0, norm_type=1), 19.0), "the 1-norm of [3, -4] and [[12]] is 19"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6071)
    for norm_type in (1.0, 3.0, math.inf):
        for i in range(3):
            shapes = [(3, 1), (5,), tuple(int(s) for s in rng.integers(1, 4, size=2))]
            grads = [rng.standard_normal(s) * 10 ** rng.uniform(-1, 1) for s in shapes]
            # an input, not an expected value: max_norm between 0.2 and 1.8 times the true norm, so some cases clip
            flat = np.concatenate([g.ravel() for g in grads])
            norm = float(np.max(np.abs(flat))) if norm_type == math.inf else float(np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type))
            params = with_grads(*grads)
            total = clip_grad_norm_(params, float(norm * rng.uniform(0.2, 1.8)), norm_type=norm_type)
            observe(f"norm_type={norm_type}, case {i}: returned total norm", total, rtol=1e-10, atol=0.0)
            for k, p in enumerate(params):
                observe(f"norm_type={norm_type}, case {i}: gradient {k} after clipping", p.grad.data, rtol=1e-10, atol=1e-8)
    observe("no gradients at all: returned total norm", clip_grad_norm_(with_grads(None, None), 1.0), rtol=0.0, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_clip_grad_norm_types()

# %% nbgrader={"grade": true, "grade_id": "test-clip-grad-norm-nonfinite", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_clip_grad_norm_nonfinite():
    """A NaN gradient makes the total NaN and, as in PyTorch, every gradient NaN; with error_if_nonfinite=True an
    inf or NaN total raises RuntimeError before any gradient changes."""
    a, b = with_grads([3.0, 4.0], [np.nan, 1.0])
    assert math.isnan(clip_grad_norm_([a, b], 1.0)), "a NaN gradient gives a NaN total norm"
    assert np.isnan(a.grad.data).all(), f"the NaN factor must reach the finite gradients too, got {a.grad.data}"
    a, b = with_grads([3.0, 4.0], [np.inf, 1.0])
    assert error_message(RuntimeError, clip_grad_norm_, [a, b], 1.0, error_if_nonfinite=True) is not None, \
        "error_if_nonfinite=True with an inf gradient must raise RuntimeError"
    assert np.array_equal(a.grad.data, [3.0, 4.0]), "the error comes before any gradient changes"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6072)
    for bad in (np.nan, np.inf, -np.inf):
        for norm_type in (1.0, 2.0, math.inf):
            params = with_grads(rng.standard_normal(3), [bad, 0.5], [[0.25]])
            total = clip_grad_norm_(params, 1.0, norm_type=norm_type)
            observe(f"gradient {bad}, norm_type={norm_type}: total norm", str(total))
            observe(f"gradient {bad}, norm_type={norm_type}: NaN pattern after clipping",
                    [np.isnan(p.grad.data) for p in params])
            params = with_grads([bad, 1.0], [2.0])
            raised = error_message(RuntimeError, clip_grad_norm_, params, 1.0, norm_type=norm_type, error_if_nonfinite=True)
            observe(f"gradient {bad}, norm_type={norm_type}, error_if_nonfinite: raises, gradient kept",
                    ("no error" if raised is None else "RuntimeError", float(params[1].grad.data[0])))
    big = with_grads([1e3, -2e3], [[5e2]])
    observe("finite total with error_if_nonfinite=True: total norm", clip_grad_norm_(big, 10.0, error_if_nonfinite=True),
            rtol=1e-10, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_clip_grad_norm_nonfinite()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: `torch.optim`, its schedules and gradient clipping. The table
# maps each PyTorch-shaped name to this module's object; `tito export` collects the tables of all modules.
# Given.

# %%
#| export
PYTORCH_NAMES = {
    "optim.Optimizer": "Optimizer", "optim.SGD": "SGD", "optim.RMSprop": "RMSprop", "optim.Adam": "Adam",
    "optim.AdamW": "AdamW", "optim.lr_scheduler.LRScheduler": "LRScheduler", "optim.lr_scheduler.StepLR": "StepLR",
    "optim.lr_scheduler.CosineAnnealingLR": "CosineAnnealingLR", "optim.lr_scheduler.LinearLR": "LinearLR",
    "nn.utils.clip_grad_norm_": "clip_grad_norm_",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (4 points).** The cell after the Adam convergence test ran 100 steps down the valley
# f(x) = 0.5 (100 x0^2 + x1^2) from (1, 1). Give x0 and x1 for each run. Explain from the update rule why plain
# SGD at lr = 0.021 diverges and at 0.019 converges along x0 but leaves x1 near 0.15; then why momentum and
# Adam get both coordinates small.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-narrow-valley", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: SGD lr=0.021 blows up along x0 (about 1e4), SGD lr=0.019 has x0 near 0 but x1 about
#   0.15, momentum and Adam end with both coordinates a few 1e-3
# - 1 point: each SGD step multiplies x0 by 1 - 100 lr: -1.1 at 0.021 (|factor| > 1, grows as 1.1^100, about
#   1e4) and -0.9 at 0.019 (shrinks while flipping sign); the stability limit is lr < 2 / 100
# - 1 point: along x1 the factor is 1 - lr = 0.981, so after 100 steps x1 = 0.981^100, about 0.15: the largest
#   stable rate is set by the steep direction and is far too small for the flat one
# - 1 point: momentum adds up the steps along x1, where successive gradients agree (up to 1 / (1 - 0.9) = 10
#   times the step), while the alternating x0 gradients cancel in the velocity; Adam divides each coordinate
#   by the root mean square of its own gradient, so both move at about lr per step whatever their steepness
# Model answer: SGD at lr = 0.021 ended at x0 = +1.4e+04, x1 = +1.2e-01; at lr = 0.019 at x0 = +2.7e-05,
# x1 = +1.5e-01; with momentum 0.9 at 5.2e-03 for both, and Adam at 2.9e-03 for both. A plain step
# multiplies x0 by 1 - 100 lr. At 0.021 that is -1.1, so x0 flips sign and grows by 10 % per step, 1.1^100 =
# 1.4e4; at 0.019 it is -0.9 and x0 shrinks to almost nothing. Along x1 the factor is 1 - 0.019 = 0.981, and
# 0.981^100 = 0.15: the steep direction caps the learning rate, and the flat one then barely moves. Momentum
# keeps a velocity: along x1 the gradients all point the same way and the velocity builds up to about ten
# times one step, while along x0 they alternate in sign and largely cancel. Adam scales each coordinate by
# its own gradient size, so x0 and x1 both move by about lr per step and reach the bottom together.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** The cell after the AdamW test gave two weights gradients that average to 0, of
# size 100 and 0.01, with weight_decay = 0.1. Give what remained of each weight with Adam and with AdamW.
# Explain why Adam's L2 decay depends on the gradient size and AdamW's does not, and what AdamW's figure
# should be from its update rule.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-decoupled-decay", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: Adam keeps about 0.98 of the weight with large gradients and almost nothing (about
#   0.02) of the one with small gradients; AdamW leaves both at the same value, about 0.8
# - 1 point: with Adam the decay wd * p is added to the gradient and then divided by the root mean square of
#   the whole gradient: next to gradients of 100 the 0.1 p term is a thousandth of the step, next to 0.01 it
#   dominates and every step moves the weight by about lr toward 0
# - 1 point: AdamW multiplies the weight by 1 - lr * wd = 0.999 each step, outside the normalization, so both
#   decay alike: 0.999^200 = 0.82, which matches about 0.8 (the zero-mean Adam steps move it a little)
# Model answer: With Adam (L2) the weight with large gradients kept 0.980 and the one with small gradients
# 0.018; with AdamW both ended at 0.804. Adam adds 0.1 p to the gradient and divides the result by its
# running root mean square. For the first weight that is about 100, so the decay term shifts the step by
# about a thousandth and the weight hardly decays; for the second the decay term is ten times the gradient
# itself, the normalized step is about lr toward 0 every time, and the weight is gone. AdamW shrinks the
# weight by lr * wd * p before the Adam step, which the normalization never sees: each step multiplies both
# weights by 0.999, and 0.999^200 = 0.82, close to the 0.804 measured.
# ### END SOLUTION
