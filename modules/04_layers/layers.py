# %% [markdown]
# # Module 04: Layers
#
# A layer is a function with learnable state: `Linear` holds a weight matrix and a bias vector and computes
# `x @ W.T + b`. A network is layers inside layers. Training needs to reach every learnable array in that tree
# (to give it to an optimizer, to clear its gradient, to save it), and some layers behave differently in
# training and in evaluation. `Module` does this bookkeeping once, for every layer of every later module.
#
# You will write the work behind `Module`'s methods (registration of parameters and sub-modules, names,
# train/eval, zero_grad, state_dict), the Xavier and He initializers, the fused `linear` operation and the `Linear` layer, module
# versions of module 03's activations, and four building blocks: `Sequential`, `Dropout`, `Flatten`,
# `Residual`. Each task is a cell containing `# YOUR CODE HERE`; the locked cells after it test it. Run the
# cells in order.
#
# Names, arguments and defaults are PyTorch's (`torch.nn`), so `Sequential(Linear(784, 128), ReLU(), ...)`
# reads the same in both, and parameter names match `state_dict()` keys of the same PyTorch model.

# %%
#| default_exp core.layers

# %%
#| export
import math
import warnings
from collections import namedtuple
from typing import Callable, Iterable, Iterator

import numpy as np

from tinytorch.core.activations import elu, gelu, leaky_relu, log_softmax, prelu, relu, sigmoid, silu, softmax, tanh
from tinytorch.core.autograd import Tensor, record_op

# %% [markdown]
# ## 1. Parameters and the random generator
#
# A `Parameter` is a Tensor that a layer learns. It differs from a Tensor in two ways only: it requires grad
# by default, and assigning one to an attribute of a `Module` registers it (section 2).
#
# Initial weights are random. `manual_seed(seed)` (module 01's) reseeds the one NumPy `Generator` that initializers
# and `Dropout` draw from when they are not given their own `rng` (PyTorch's `torch.manual_seed`): the same seed
# builds the same model, bit for bit. Without a seed, every run starts from fresh entropy, as in PyTorch.
# `_generator(rng)` returns `rng` if given, else that shared generator. The next cell is given.

# %%
#| export
# One generator for the whole package, kept by module 01: `manual_seed` resets it for randn, initializers,
# Dropout and shuffling alike, as torch.manual_seed does.
from tinytorch.core.tensor import array_of, manual_seed
from tinytorch.core.tensor import default_generator as _generator


class Parameter(Tensor):
    """A Tensor a Module learns: requires_grad=True by default, registered when assigned to a Module."""

    def __init__(self, data, requires_grad: bool = True) -> None:
        """Copy `data` with module 01's dtype rule (floats -> float32; a Tensor keeps its dtype)."""
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

# %% [markdown]
# ## 2. Module
#
# Every layer subclasses `Module`, creates its state in `__init__` and computes in `forward`:
#
#     class Affine(Module):
#         def __init__(self, n_in, n_out):
#             super().__init__()
#             self.weight = Parameter(np.ones((n_out, n_in)))
#             self.bias = Parameter(np.zeros(n_out))
#
#         def forward(self, x):
#             return x @ self.weight.T + self.bias
#
# `Affine(2, 3)(x)` calls `forward(x)`. The plain assignments above are enough: `Module.__setattr__`, which
# Python calls for every `self.name = value`, files Parameters in the dict `self._parameters` and Modules in
# `self._modules`, in assignment order (Python dicts keep insertion order). `__getattr__` (given) finds them
# there again, so `layer.weight` works as usual. Buffers (`register_buffer`, given) are a third registry, for
# state that is saved but not learned, such as a batch norm's running mean.
#
# From the registries everything else follows by walking the tree of modules:
# - names are dotted paths, the same as PyTorch's: `"fc1.bias"` for `bias` in the child `fc1`, `"0.weight"` for
#   the first layer of a `Sequential`;
# - a parameter used twice (tied weights) is one array to update: `parameters()` yields each object once;
# - `train()` / `eval()` set the flag `training` on every module: `Dropout` reads it;
# - `state_dict()` copies every parameter and buffer out under its name; `load_state_dict` copies them back in.
#
# The class is given. Its methods that need work call functions you write below, the module as their first
# argument, in three groups: registration, modes, state.
#
# | method of `Module` (given) | calls (your task) |
# |---|---|
# | `__setattr__` (`self.name = value`) | `register_attribute(module, name, value)` |
# | `named_modules`, and through it `modules` | `walk_modules(module, prefix, remove_duplicate)` |
# | `named_parameters`, `named_buffers`, and through them `parameters`, `buffers` | `walk_members(module, members, prefix, recurse)` |
# | `train`, and through it `eval` | `set_training(module, mode)` |
# | `zero_grad` | `clear_grads(module, set_to_none)` |
# | `state_dict` | `collect_state(module, keep_vars)` |
# | `load_state_dict` | `load_state(module, state_dict, strict)` |

# %%
#| export
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer: registers Parameters, buffers and sub-Modules, and walks the tree they form."""

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these registries to exist already
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        """The computation; each layer defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        """layer(x) runs layer.forward(x)."""
        return self.forward(*args, **kwargs)

    # --- attribute lookup, assignment, removal and buffers ---

    def __getattr__(self, name: str):
        """Called only when normal lookup fails: look in the three registries."""
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value) -> None:
        """self.name = value: Parameters and Modules are registered by name, in order; the rest are plain attributes."""
        register_attribute(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def _unregister(self, name: str) -> None:
        """Forget `name` everywhere: the three registries and the plain attributes."""
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Register state that is saved in state_dict but not learned (e.g. running statistics)."""
        if isinstance(tensor, Parameter) or not (tensor is None or isinstance(tensor, Tensor)):
            raise TypeError(f"buffer {name!r} must be a Tensor (not a Parameter) or None, got {type(tensor).__name__}")
        self._unregister(name)
        self._buffers[name] = tensor

    # --- walking the tree ---

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """(dotted name, module) for self and every module below it, parents first, in registration order."""
        return walk_modules(self, prefix, remove_duplicate)

    def _named_members(self, members: Callable, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, obj) for each obj in the dicts members(module) of the modules below self, each object once."""
        return walk_members(self, members, prefix, recurse)

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter, each once: "0.weight", "fc1.bias", ..."""
        return self._named_members(lambda m: m._parameters, prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in registration order: what an optimizer needs."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for every buffer, each once."""
        return self._named_members(lambda m: m._buffers, prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer once."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """(name, module) for the direct sub-modules, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def modules(self) -> Iterator["Module"]:
        """self and every module below it, each once, parents first."""
        for _, module in self.named_modules():
            yield module

    # --- modes and gradients ---

    def train(self, mode: bool = True) -> "Module":
        """Set `training = mode` on self and every module below it; return self."""
        return set_training(self, mode)

    def eval(self) -> "Module":
        """Evaluation mode: train(False)."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: .grad = None, or zeros in place when set_to_none is False."""
        clear_grads(self, set_to_none)

    # --- saving and loading ---

    def state_dict(self, keep_vars: bool = False) -> dict:
        """{dotted name: array copy} of every parameter and buffer, in registration order (Tensors if keep_vars)."""
        return collect_state(self, keep_vars)

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy the arrays of `state_dict` into this model's Tensors, in place; all or nothing."""
        return load_state(self, state_dict, strict)

    # --- dtype and printing ---

    def to(self, dtype) -> "Module":
        """Cast every parameter and buffer to `dtype` (e.g. np.float64 for gradient checks); returns self."""
        dtype = np.dtype(dtype)
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype != dtype:
                t.data = t.data.astype(dtype)
                t.grad = None
        return self

    def double(self) -> "Module":
        """to(np.float64)."""
        return self.to(np.float64)

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr, e.g. "in_features=2, out_features=3"."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleList(Module):
    """A list of Modules registered as "0", "1", ...: a variable number of layers, used in your own forward."""

    def __init__(self, modules: Iterable = ()) -> None:
        super().__init__()
        self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        """Register `module` under the next index."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, got {type(module).__name__}")
        setattr(self, str(len(self)), module)
        return self

    def extend(self, modules: Iterable) -> "ModuleList":
        """Append each module in turn."""
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        return ModuleList(items[index]) if isinstance(index, slice) else items[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

# %% [markdown]
# The tests build small modules by hand, like `Affine` above. The next cell (given, collapsed) defines them
# once, with three helpers: `names(pairs)`, the names of `(name, object)` pairs; `leaves(rng, *shapes)`,
# float64 Tensors that require grad; `snapshot(model)`, copies of a model's arrays by name.

# %% jupyter={"source_hidden": true}
# Given: the small modules and helpers the tests of this notebook share (not part of any task).
def names(pairs) -> list:
    """The names of (name, object) pairs, e.g. of named_parameters()."""
    return [name for name, _ in pairs]


def leaves(rng: np.random.Generator, *shapes) -> list:
    """One float64 Tensor of standard normal values per shape, each requiring grad."""
    return [Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True) for shape in shapes]


def snapshot(model: Module) -> dict:
    """Copies of every parameter and buffer array of model, by name: what "unchanged" is compared with."""
    return {k: t.data.copy() for k, t in model.state_dict(keep_vars=True).items()}


class Affine(Module):
    """x @ weight.T + bias with weights of 1 and biases of 0, and a plain attribute `scale`."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = Parameter(np.ones((n_out, n_in)))
        self.scale = 3.0  # a plain attribute
        self.bias = Parameter(np.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Net(Module):
    """fc2(fc1(x) * slope): a parameter of its own registered between two children."""

    def __init__(self):
        super().__init__()
        self.fc1 = Affine(2, 3)
        self.slope = Parameter(np.array([0.25]))
        self.fc2 = Affine(3, 1)

    def forward(self, x):
        return self.fc2(self.fc1(x) * self.slope)


class Tied(Module):
    """One module under two names (a, b), and one weight matrix in two layers (a, c)."""

    def __init__(self):
        super().__init__()
        self.a = Affine(2, 2)
        self.b = self.a
        self.c = Affine(2, 2)
        self.c.weight = self.a.weight


class Stack(Module):
    """A list of n Modules (a ModuleList once registered) and a list of numbers (a plain attribute)."""

    def __init__(self, n):
        super().__init__()
        self.sizes = [2, 2]
        self.layers = [Affine(2, 2) for _ in range(n)]
        self.head = Affine(2, 1)


class Probe(Module):
    """x * w; records the `training` flag each forward sees."""

    def __init__(self):
        super().__init__()
        self.seen = []
        self.w = Parameter(np.array([1.0, 2.0]))

    def forward(self, x):
        self.seen.append(self.training)
        return x * self.w


class Outer(Module):
    """Two Probes in a list, then a third: five modules in all."""

    def __init__(self):
        super().__init__()
        self.inner = [Probe(), Probe()]
        self.last = Probe()

    def forward(self, x):
        for probe in self.inner:
            x = probe(x)
        return self.last(x)


class Lin(Module):
    """x @ weight.T + bias with random weights from rng."""

    def __init__(self, n_in, n_out, rng):
        super().__init__()
        self.weight = Parameter(rng.standard_normal((n_out, n_in)))
        self.bias = Parameter(rng.standard_normal(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Scale(Module):
    """x * gamma + shift: a parameter and a buffer."""

    def __init__(self, n, rng):
        super().__init__()
        self.gamma = Parameter(rng.standard_normal(n))
        self.register_buffer("shift", Tensor(rng.standard_normal(n)))

    def forward(self, x):
        return x * self.gamma + self.shift


class Model(Module):
    """Lin, Scale, Lin and a parameter of its own, all drawn from the seed."""

    def __init__(self, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.fc1 = Lin(2, 3, rng)
        self.scale = Scale(3, rng)
        self.fc2 = Lin(3, 1, rng)
        self.temperature = Parameter(rng.standard_normal(1))

    def forward(self, x):
        return self.fc2(self.scale(self.fc1(x))) * self.temperature

# %% [markdown]
# ### Registration
#
# **Task: `register_attribute`, `walk_modules`, `walk_members`.**
#
# 1. `register_attribute(module, name, value)` is `module.name = value`. After the given lines (which update
#    registered buffers), the first rule that matches decides:
#
#    | first rule that matches (in this order) | what happens |
#    |---|---|
#    | `value` is a `Parameter` | `module._parameters[name] = value` |
#    | `name` is in `module._parameters` | None: store None there (a layer without bias); anything else: `TypeError` |
#    | `value` is a `Module`, or a non-empty list or tuple of Modules (wrap it: `ModuleList(value)`) | `module._modules[name] = value` |
#    | `name` is in `module._modules` | None: store None there; anything else: `TypeError` |
#    | otherwise | a plain attribute: `object.__setattr__(module, name, value)` |
#
#    Before registering a name that is not yet in the target registry, call `module._unregister(name)`, which
#    removes it from every registry and from the plain attributes. Re-assigning a registered name keeps its
#    position, since assigning to an existing dict key does. The `TypeError` catches a classic bug:
#    `self.weight = self.weight * 2` would otherwise replace the Parameter by a plain Tensor and the layer
#    would silently stop learning `weight`.
# 2. `walk_modules(module, prefix="", remove_duplicate=True)`: yield `(name, m)` for `module` (named `prefix`)
#    and every module below it, parents before children, children in registration order. A child `c` of a
#    module named `m` is named `m.c` (just `c` when `m` is `""`). Skip None entries. With `remove_duplicate`,
#    yield a module object the first time only (keep a set of `id`s).
# 3. `walk_members(module, members, prefix="", recurse=True)`: for each `(name, m)` of
#    `walk_modules(module, prefix)` (only `(prefix, module)` when `recurse` is False), for each `(key, obj)` in
#    the dict `members(m)`, yield `(dotted name, obj)`: skip None, and yield each object once.
#    `named_parameters` walks `lambda m: m._parameters`, `named_buffers` `lambda m: m._buffers` (both given).

# %% nbgrader={"grade": false, "grade_id": "registration", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def register_attribute(module: Module, name: str, value) -> None:
    """module.name = value: Parameters and Modules are registered by name, in order; the rest are plain attributes."""
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"cannot assign {name!r} before Module.__init__() has run: call super().__init__() first")
    if name in module._buffers and (value is None or (isinstance(value, Tensor) and not isinstance(value, Parameter))):
        module._buffers[name] = value  # a registered buffer gets a new value
        return
    ### BEGIN SOLUTION
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
        value = ModuleList(value)  # a list of layers is registered as one container
    if isinstance(value, Parameter):
        if name not in module._parameters:
            module._unregister(name)
        module._parameters[name] = value  # an existing key keeps its position
    elif name in module._parameters:
        if value is not None:
            raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}: it is a registered Parameter "
                            "(assign a Parameter or None)")
        module._parameters[name] = None
    elif isinstance(value, Module):
        if name not in module._modules:
            module._unregister(name)
        module._modules[name] = value
    elif name in module._modules:
        if value is not None:
            raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}: it is a registered Module "
                            "(assign a Module or None)")
        module._modules[name] = None
    else:
        object.__setattr__(module, name, value)
    ### END SOLUTION


def walk_modules(module: Module, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
    """(dotted name, m) for module and every module below it, parents first, in registration order."""
    ### BEGIN SOLUTION
    seen = set()
    stack = [(prefix, module)]
    while stack:
        name, m = stack.pop()
        if remove_duplicate:
            if id(m) in seen:
                continue
            seen.add(id(m))
        yield name, m
        children = [(f"{name}.{key}" if name else key, child) for key, child in m._modules.items() if child is not None]
        stack.extend(reversed(children))  # the first child is popped first
    ### END SOLUTION


def walk_members(module: Module, members: Callable, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
    """(dotted name, obj) for each obj in the dicts members(m) of the modules m below module, each object once."""
    ### BEGIN SOLUTION
    modules = walk_modules(module, prefix) if recurse else [(prefix, module)]
    seen = set()
    for module_name, m in modules:
        for key, obj in members(m).items():
            if obj is None or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield (f"{module_name}.{key}" if module_name else key), obj
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-registration-names", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_registration_names():
    """Parameters and sub-modules are registered in assignment order under dotted names; the rest stays plain."""
    net = Net()
    got = names(net.named_parameters())
    assert got == ["slope", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], \
        f"a module's own parameters come first, then each child's as 'child.name', in order; got {got}"
    assert isinstance(net.fc1, Affine) and net.fc1.scale == 3.0, "registered modules and plain attributes must stay readable"
    params = list(net.parameters())
    assert len(params) == 5 and params[1] is net.fc1.weight, "parameters() must yield the Parameter objects themselves"
    assert names(net.named_modules()) == ["", "fc1", "fc2"], "named_modules: self named '', then the children"
    assert list(net.modules()) == [net, net.fc1, net.fc2], "modules(): self first, then each sub-module"
    assert names(net.named_parameters(recurse=False)) == ["slope"], "recurse=False: only the module's own"
    assert names(net.fc1.named_parameters(prefix="fc1")) == ["fc1.weight", "fc1.bias"], "the prefix goes in front"
    y = net(Tensor([[1.0, 2.0]]))
    assert y.shape == (1, 1) and np.allclose(y.data, 2.25), f"net(x) must run forward: expected 3 * 3 * 0.25, got {y.data}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4101)

    class Node(Module):
        def forward(self, x):
            return x

    for i in range(6):
        pool = []

        def build(depth):
            node = Node()
            for k in range(int(rng.integers(1, 5))):
                if depth > 0 and rng.random() < 0.4:
                    setattr(node, f"m{k}", build(depth - 1))
                else:
                    if pool and rng.random() < 0.25:
                        p = pool[int(rng.integers(len(pool)))]  # tie to an existing parameter
                    else:
                        p = Parameter(rng.standard_normal(int(rng.integers(1, 4))))
                        pool.append(p)
                    setattr(node, f"p{k}", p)
            return node

        root = build(3)

        def which(obj):
            """Index in the pool of the Parameter object `obj` (-1: not one of the tree's)."""
            return next((j for j, q in enumerate(pool) if q is obj), -1)

        got = list(root.named_parameters())
        observe(f"random tree {i}: named_parameters names", [n for n, _ in got])
        observe(f"random tree {i}: named_parameters objects", [which(obj) for _, obj in got])
        params = list(root.parameters())
        observe(f"random tree {i}: parameters() objects", [which(obj) for obj in params])
        observe(f"random tree {i}: parameters() values in order",
                np.concatenate([np.asarray(q.data, dtype=np.float64).ravel() for q in params]) if params else None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_registration_names()

# %% nbgrader={"grade": true, "grade_id": "test-registration-assign", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_registration_assign():
    """Re-assigning keeps a name's position; None empties it; a non-Parameter on a Parameter's name is a TypeError."""
    net, new_w = Net(), Parameter(np.full((3, 2), 2.0))
    net.fc1.weight, net.fc2.bias = new_w, None
    assert net.fc1.weight is new_w and net.fc2.bias is None, "an assigned Parameter, or None, must read back"
    assert names(net.named_parameters()) == ["slope", "fc1.weight", "fc1.bias", "fc2.weight"], \
        "re-assigning a registered name keeps its position; a parameter set to None is skipped"
    errors = [error_message(TypeError, setattr, net.fc1, "weight", wrong) for wrong in (new_w * 2, Affine(1, 1))]
    assert None not in errors, "assigning a Tensor or a Module to a registered Parameter's name must raise TypeError"
    assert net.fc1.weight is new_w, "after the TypeError the Parameter must still be registered"
    net.fc1.scale = Parameter(np.array([3.0]))
    assert names(net.fc1.named_parameters()) == ["weight", "bias", "scale"], "a plain attribute can become a Parameter"
    del net.fc1.scale
    net.fc1.scale = Affine(1, 1)
    assert names(net.fc1.named_parameters())[2:] == ["scale.weight", "scale.bias"], "after del, the name can hold a Module"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4104)
    for i in range(5):
        m, outcomes = Affine(1, 1), []
        for _ in range(10):
            name = ("weight", "bias", "scale", "extra")[int(rng.integers(4))]
            value = (Parameter(rng.standard_normal(2)), Affine(1, 1), None, Tensor(rng.standard_normal(2)))[int(rng.integers(4))]
            outcomes.append(error_message(TypeError, setattr, m, name, value) is not None)
        observe(f"random assignments {i}: which raised TypeError", outcomes)
        observe(f"random assignments {i}: parameter names", names(m.named_parameters()))
        observe(f"random assignments {i}: module names", names(m.named_modules()))
        params = list(m.parameters())
        observe(f"random assignments {i}: number of parameters", len(params))
        observe(f"random assignments {i}: parameter values",
                np.concatenate([np.asarray(q.data, dtype=np.float64).ravel() for q in params]) if params else None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_registration_assign()

# %% nbgrader={"grade": true, "grade_id": "test-registration-shared", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_registration_shared():
    """A shared module or tied parameter counts once, under its first name; a list of Modules is a ModuleList."""
    tied = Tied()
    got = names(tied.named_parameters())
    assert got == ["a.weight", "a.bias", "c.bias"], f"each parameter once, under the first name met; got {got}"
    assert len(list(tied.parameters())) == 3, "a tied weight is one parameter for an optimizer"
    assert names(tied.named_modules()) == ["", "a", "c"], "a shared module is listed once"
    assert names(tied.named_modules(remove_duplicate=False)) == ["", "a", "b", "c"], \
        "remove_duplicate=False lists a shared module under each name"
    s = Stack(2)
    assert isinstance(s.layers, ModuleList) and len(s.layers) == 2, "a list of Modules must be registered as a ModuleList"
    assert s.sizes == [2, 2] and not isinstance(s.sizes, Module), "a list of numbers is a plain attribute"
    got = names(s.named_parameters())
    assert got == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "head.weight", "head.bias"], \
        f"modules in a list are named 'layers.0', 'layers.1', ...; got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4105)

    class Holder(Module):
        def __init__(self, picks, pool):
            super().__init__()
            self.layers = [pool[k] for k in picks]
            self.first = pool[picks[0]]

    for i in range(5):
        pool = [Affine(2, 2) for _ in range(3)]
        if rng.random() < 0.5:
            pool[2].weight = pool[0].weight  # a tied weight
        picks = [int(k) for k in rng.integers(0, 3, size=int(rng.integers(1, 6)))]
        h = Holder(picks, pool)
        observe(f"shared modules {i}: named_modules", names(h.named_modules()))
        observe(f"shared modules {i}: named_modules(remove_duplicate=False)", names(h.named_modules(remove_duplicate=False)))
        observe(f"shared modules {i}: named_parameters", names(h.named_parameters()))
        observe(f"shared modules {i}: number of parameters", len(list(h.parameters())))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_registration_shared()

# %% [markdown]
# ### Modes and gradients
#
# **Task: `set_training`, `clear_grads`.**
#
# 1. `set_training(module, mode)`: set `training = mode` on every module of `module.modules()`; return `module`.
#    `eval()` is `train(False)`, so it reaches modules inside lists too.
# 2. `clear_grads(module, set_to_none=True)`: every parameter's `.grad` becomes None (or, with
#    `set_to_none=False`, its existing gradient array is filled with 0).

# %% nbgrader={"grade": false, "grade_id": "modes", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def set_training(module: Module, mode: bool = True) -> Module:
    """Set `training = mode` on module and every module below it; return module."""
    if not isinstance(mode, bool):
        raise ValueError(f"training mode must be a bool, got {mode!r}")
    ### BEGIN SOLUTION
    for m in module.modules():
        m.training = mode
    return module
    ### END SOLUTION


def clear_grads(module: Module, set_to_none: bool = True) -> None:
    """Clear every parameter's gradient: .grad = None, or zeros in place when set_to_none is False."""
    ### BEGIN SOLUTION
    for p in module.parameters():
        if set_to_none:
            p.grad = None
        elif p.grad is not None:
            p.grad.data.fill(0)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-modes-train", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_modes_train():
    """train(mode) sets `training` on every module below, lists included, and returns the module; eval() is train(False)."""
    net = Outer()
    mods = list(net.modules())
    assert len(mods) == 5 and all(m.training for m in mods), "a new module is in training mode"
    assert net.eval() is net, "eval() must return the module itself"
    assert not any(m.training for m in mods), "eval() must reach every module, including those in a list"
    net(Tensor([1.0, 1.0]))
    assert net.last.seen == [False], "forward must see training == False after eval()"
    assert net.train() is net and all(m.training for m in mods), "train() must return the module and reach every module"
    net.inner[1].train(False)
    assert [m.training for m in mods] == [True, True, True, False, True], "train(False) on a child changes only its subtree"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4102)
    for i in range(3):
        chain = ModuleList([Probe() for _ in range(int(rng.integers(2, 6)))])
        k = int(rng.integers(len(chain)))
        chain.eval()
        observe(f"chain {i}: training flags of modules() after eval()", [m.training for m in chain.modules()])
        chain[k].train()
        observe(f"chain {i}: training flags after train() on element {k}", [m.training for m in chain])
        chain.train()
        observe(f"chain {i}: training flags of modules() after train()", [m.training for m in chain.modules()])
        observe(f"chain {i}: number of modules", len(list(chain.modules())))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_modes_train()

# %% nbgrader={"grade": true, "grade_id": "test-modes-zero-grad", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_modes_zero_grad():
    """zero_grad() sets every parameter's .grad to None; zero_grad(set_to_none=False) fills the same arrays with 0."""
    net, x = Outer(), Tensor([1.0, -1.0])
    net(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters()), "backward should have given every parameter a gradient"
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters()), "zero_grad() must set every .grad to None"
    net(x).sum().backward()
    kept = net.last.w.grad
    net.zero_grad(set_to_none=False)
    assert net.last.w.grad is kept and np.array_equal(kept.data, [0.0, 0.0]), "set_to_none=False fills the same array with 0"
    assert all(p.grad is not None and not p.grad.data.any() for p in net.parameters()), "every gradient must be zero"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4106)
    for i in range(3):
        chain = ModuleList([Probe() for _ in range(int(rng.integers(2, 6)))])
        for p in chain.parameters():
            p.grad = Tensor(rng.standard_normal(2))
        observe(f"chain {i}: number of parameters", len(list(chain.parameters())))
        chain.zero_grad()
        observe(f"chain {i}: .grad is None after zero_grad()", [p.grad is None for p in chain.parameters()])
        grads = [Tensor(rng.standard_normal(2)) for _ in chain]
        for p, g in zip(chain.parameters(), grads):
            p.grad = g
        chain.zero_grad(set_to_none=False)
        observe(f"chain {i}: zero_grad(set_to_none=False) keeps each gradient object",
                [p.grad is g for p, g in zip(chain.parameters(), grads)])
        observe(f"chain {i}: gradients after zero_grad(set_to_none=False)",
                np.concatenate([g.data for g in grads]), rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_modes_zero_grad()

# %% [markdown]
# ### Saving and loading
#
# **Task: `collect_state`, `load_state`.**
#
# 1. `collect_state(module, keep_vars=False)` is `state_dict`: a dict from dotted name to a copy of the array
#    (`t.data.copy()`), for every parameter and then every buffer of each module, modules in the order of
#    `named_modules(remove_duplicate=False)`: a tied parameter appears under each of its names, as in PyTorch.
#    With `keep_vars=True`, the Tensors themselves instead of copies.
# 2. `load_state(module, state_dict, strict=True)` is `load_state_dict`: copy each array into the model's
#    Tensor of that name, in place (`t.data[...] = value`: optimizers hold the Tensor, and its dtype stays).
#    First collect every problem: with `strict`, missing keys and unexpected keys; always, shape mismatches. If
#    there is any, raise `RuntimeError` naming each key (and, for a mismatch, both shapes) and change nothing.
#    Return `IncompatibleKeys(missing_keys, unexpected_keys)` (lists of names).
#
# Pitfall: a checkpoint that shares arrays with the model is no checkpoint: training on changes it. Copy out
# in `collect_state`, copy in with `load_state`.

# %% nbgrader={"grade": false, "grade_id": "state-dict", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def collect_state(module: Module, keep_vars: bool = False) -> dict:
    """{dotted name: array copy} of every parameter and buffer, in registration order (Tensors if keep_vars)."""
    ### BEGIN SOLUTION
    state = {}
    for module_name, m in module.named_modules(remove_duplicate=False):
        dot = module_name + "." if module_name else ""
        for registry in (m._parameters, m._buffers):
            for key, t in registry.items():
                if t is not None:
                    state[dot + key] = t if keep_vars else t.data.copy()
    return state
    ### END SOLUTION


def load_state(module: Module, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
    """Copy the arrays of `state_dict` into module's Tensors, in place; all or nothing."""
    ### BEGIN SOLUTION
    own = collect_state(module, keep_vars=True)
    values = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in state_dict.items()}
    missing = [k for k in own if k not in values]
    unexpected = [k for k in values if k not in own]
    problems = []
    if strict:
        problems += [f"missing key {k!r} (the model's has shape {own[k].shape})" for k in missing]
        problems += [f"unexpected key {k!r} (shape {values[k].shape})" for k in unexpected]
    for k, t in own.items():
        if k in values and values[k].shape != t.shape:
            problems.append(f"size mismatch for {k!r}: the state_dict has shape {values[k].shape}, "
                            f"the model has shape {t.shape}")
    if problems:  # checked before anything is written, so a failed load changes nothing
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}: " + "; ".join(problems))
    for k, t in own.items():
        if k in values:
            t.data[...] = values[k]  # in place, cast to the model's dtype
    return IncompatibleKeys(missing, unexpected)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-state-dict-save", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_state_dict_save():
    """state_dict copies out each module's parameters, then its buffers, then its children's, under dotted names."""
    a = Model(0)
    sd, own = a.state_dict(), a.state_dict(keep_vars=True)
    keys = ["temperature", "fc1.weight", "fc1.bias", "scale.gamma", "scale.shift", "fc2.weight", "fc2.bias"]
    assert list(sd) == keys, f"keys: each module's parameters, then its buffers, then its children; got {list(sd)}"
    assert own["fc1.weight"] is a.fc1.weight and own["scale.shift"] is a.scale.shift, "keep_vars=True gives the Tensors"
    for k, t in own.items():
        assert isinstance(sd[k], np.ndarray) and np.array_equal(sd[k], t.data), f"{k}: the value must be an array equal to it"
        assert not np.shares_memory(sd[k], t.data), f"{k}: state_dict must copy, not share the model's array"
    a.fc1.weight.data += 1.0
    assert not np.array_equal(sd["fc1.weight"], a.fc1.weight.data), "a saved state_dict must not follow the model"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4103)
    for i in range(4):
        sizes = [int(s) for s in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
        r = np.random.default_rng(10 + i)
        chain = ModuleList([Lin(n_in, n_out, r) for n_in, n_out in zip(sizes, sizes[1:])])
        sd = chain.state_dict()
        observe(f"random chain {i}: state_dict keys", list(sd))
        observe(f"random chain {i}: state_dict values", [np.asarray(v, dtype=np.float64) for v in sd.values()],
                rtol=0, atol=0)
    tied = Tied()
    observe("shared module and tied weight: state_dict keys", list(tied.state_dict()))
    observe("shared module and tied weight: state_dict values",
            [np.asarray(v, dtype=np.float64) for v in tied.state_dict().values()], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_state_dict_save()

# %% nbgrader={"grade": true, "grade_id": "test-state-dict-load", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_state_dict_load():
    """load_state_dict copies the arrays into the model's own Tensors, in place: then both models compute the same."""
    a, b = Model(0), Model(1)
    sd, x = a.state_dict(), Tensor(np.random.default_rng(2).standard_normal((4, 2)))
    assert not np.allclose(a(x).data, b(x).data), "two differently seeded models should differ before loading"
    weight_obj, weight_array = b.fc1.weight, b.fc1.weight.data
    result = b.load_state_dict(sd)
    assert np.array_equal(a(x).data, b(x).data), "after load_state_dict the two models must compute the same"
    assert b.fc1.weight is weight_obj and b.fc1.weight.data is weight_array, "load_state_dict must copy in place"
    assert b.fc1.weight.dtype == np.float32, "loading keeps the model's dtype"
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == [], "a full load has nothing missing"
    sd["fc1.bias"][0] = 123.0
    assert b.fc1.bias.data[0] != 123.0, "load_state_dict must copy, not keep the given arrays"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4107)

    class Chain(Module):
        def __init__(self, sizes, seed):
            super().__init__()
            r = np.random.default_rng(seed)
            self.layers = [Lin(i, o, r) for i, o in zip(sizes, sizes[1:])]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    for i in range(4):
        sizes = [int(s) for s in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
        src, dst = Chain(sizes, 10), Chain(sizes, 11)
        dst.load_state_dict(src.state_dict())
        observe(f"random chain {i}: arrays after load_state_dict",
                [np.asarray(t.data, dtype=np.float64) for t in dst.parameters()], rtol=0, atol=0)
        x = Tensor(rng.standard_normal((3, sizes[0])))
        observe(f"random chain {i}: output after load_state_dict", dst(x).data, rtol=1e-5, atol=1e-6)
    tied = Tied()
    tied.load_state_dict({k: np.full(v.shape, 7.0) for k, v in tied.state_dict().items()})
    observe("shared module: weight after loading 7s", tied.a.weight.data, rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_state_dict_load()

# %% nbgrader={"grade": true, "grade_id": "test-state-dict-errors", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_state_dict_errors():
    """A missing, unexpected or misshapen key raises RuntimeError naming it, and the model is left as it was."""
    full, model = Model(0).state_dict(), Model(3)
    before = snapshot(model)
    cases = [  # (state, strict, words the message must contain)
        ({k: v for k, v in full.items() if k != "fc2.bias"}, True, ["fc2.bias"]),
        (dict(full, **{"fc3.weight": np.zeros((2, 2))}), True, ["fc3.weight"]),
        (dict(full, **{"fc2.weight": np.zeros((2, 3))}), True, ["fc2.weight", "(2, 3)", "(1, 3)"]),
        (dict(full, **{"fc2.weight": np.zeros((2, 3))}), False, ["fc2.weight"]),
    ]
    for state, strict, words in cases:
        message = error_message(RuntimeError, model.load_state_dict, state, strict=strict)
        assert message is not None and all(w in message for w in words), \
            f"load_state_dict(strict={strict}) must raise RuntimeError mentioning {words}; got {message}"
        assert all(np.array_equal(v, before[k]) for k, v in snapshot(model).items()), "a failed load must change nothing"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4108)
    for i in range(4):
        sizes = [int(s) for s in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
        src = ModuleList([Lin(n_in, n_out, rng) for n_in, n_out in zip(sizes, sizes[1:])])
        fresh = ModuleList([Lin(n_in, n_out, rng) for n_in, n_out in zip(sizes, sizes[1:])])
        sd = src.state_dict()
        drop = f"{int(rng.integers(len(sizes) - 1))}.{('weight', 'bias')[int(rng.integers(2))]}"
        message = error_message(RuntimeError, fresh.load_state_dict, {k: v for k, v in sd.items() if k != drop})
        observe(f"random chain {i}: a missing key raises RuntimeError naming it", message is not None and drop in message)
        observe(f"random chain {i}: arrays after the failed load",
                [np.asarray(t.data, dtype=np.float64) for t in fresh.parameters()], rtol=0, atol=0)
        wrong = dict(sd, **{drop: np.zeros(sd[drop].shape + (1,))})
        message = error_message(RuntimeError, fresh.load_state_dict, wrong, strict=False)
        observe(f"random chain {i}: a misshapen key raises RuntimeError naming it", message is not None and drop in message)
        observe(f"random chain {i}: arrays after the failed strict=False load",
                [np.asarray(t.data, dtype=np.float64) for t in fresh.parameters()], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_state_dict_errors()

# %% nbgrader={"grade": true, "grade_id": "test-state-dict-strict", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_state_dict_strict():
    """strict=False loads the keys that match and returns the missing and unexpected ones; missing ones stay."""
    a, c = Model(0), Model(3)
    before = snapshot(c)
    partial = {k: v for k, v in a.state_dict().items() if k != "fc2.bias"}
    result = c.load_state_dict(dict(partial, extra=np.ones(2)), strict=False)
    assert list(result.missing_keys) == ["fc2.bias"] and list(result.unexpected_keys) == ["extra"], \
        f"strict=False must return the missing and unexpected keys, got {result}"
    assert np.array_equal(c.fc2.weight.data, a.fc2.weight.data), "strict=False must load the keys that match"
    assert np.array_equal(c.fc2.bias.data, before["fc2.bias"]), "a missing key leaves its parameter as it was"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4109)
    for i in range(4):
        src, dst = Model(int(rng.integers(1000))), Model(int(rng.integers(1000)))
        state = src.state_dict()
        keep = [k for k in state if rng.random() < 0.6]
        extra = [f"extra{j}" for j in range(int(rng.integers(0, 3)))]
        result = dst.load_state_dict(dict({k: state[k] for k in keep}, **{k: np.ones(2) for k in extra}), strict=False)
        observe(f"strict=False {i}: missing and unexpected keys", (list(result.missing_keys), list(result.unexpected_keys)))
        observe(f"strict=False {i}: arrays after the load", list(snapshot(dst).values()), rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_state_dict_strict()

# %% [markdown]
# ## 3. Initialization: Xavier and He
#
# A layer computes z_i = sum over j of W_ij x_j, a sum of fan_in terms. With independent zero-mean weights
# and inputs, Var(z) = fan_in * Var(W) * E[x^2]. A deep network repeats this at every layer, so unless
# fan_in * Var(W) (times what the nonlinearity keeps) is close to 1, the activations shrink or grow
# geometrically with depth: after 30 layers a factor 0.5 per layer is 1e-9, a factor 2 is 1e9. The backward
# pass multiplies gradients by W.T, the same argument with fan_out.
#
# - **Xavier (Glorot)**: for tanh-like units, which are close to the identity around 0, the forward pass
#   wants Var(W) = 1/fan_in and the backward pass 1/fan_out; take the compromise Var(W) = 2 / (fan_in + fan_out).
# - **He (Kaiming)**: ReLU zeroes half of its inputs, so E[relu(z)^2] = Var(z) / 2. To keep E[x^2] constant,
#   double the variance: Var(W) = 2 / fan_in.
#
# `gain` folds in the nonlinearity: Var(W) = gain^2 / fan for He, gain^2 * 2 / (fan_in + fan_out) for Xavier;
# `calculate_gain` (given) has PyTorch's table: relu sqrt(2), tanh 5/3, linear and sigmoid 1. A uniform
# U(-a, a) has variance a^2 / 3, so a = sqrt(3 * Var) gives the wanted variance with bounded values.
#
# Fans follow PyTorch's convention for a weight of shape (out, in, *kernel) (a `Linear` weight is
# (out_features, in_features); a convolution's (out_channels, in_channels, kh, kw)):
# fan_in = in * k and fan_out = out * k, with k the product of the kernel sizes (1 without a kernel).
#
# **Task: `calculate_fans`, `xavier_uniform_`, `xavier_normal_`, `kaiming_uniform_`, `kaiming_normal_`.**
# Each initializer draws from `_generator(rng)`, writes into the tensor with `_fill_` (given: in place, the
# tensor keeps its array and dtype) and returns the tensor. The trailing underscore is PyTorch's mark of an
# in-place function. `mode="fan_out"` uses fan_out instead of fan_in; the He gain is
# `calculate_gain(nonlinearity, a)`.
#
# Edge: a weight with no elements (`Linear(0, 3)` has shape (3, 0)) has fan_in 0, and the He bound would divide
# by zero. The He initializers then warn "Initializing zero-element tensors is a no-op" and return the tensor
# unchanged, as PyTorch does.

# %%
#| export
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The standard-deviation factor that `nonlinearity` needs: relu sqrt(2), tanh 5/3, linear and sigmoid 1."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _fill_(t: Tensor, values: np.ndarray) -> Tensor:
    """Write `values` into t's own array (t keeps its dtype and array object); return t."""
    t.data[...] = values
    return t

# %% nbgrader={"grade": false, "grade_id": "initializers", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def calculate_fans(t: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (in * k, out * k) for a weight of shape (out, in, *kernel), k = prod(kernel)."""
    if t.ndim < 2:
        raise ValueError(f"fan_in and fan_out need a tensor with at least 2 dimensions, got shape {t.shape}")
    ### BEGIN SOLUTION
    receptive = int(np.prod(t.shape[2:]))  # 1 for a Linear weight
    return t.shape[1] * receptive, t.shape[0] * receptive
    ### END SOLUTION


def xavier_uniform_(t: Tensor, gain: float = 1.0, rng: np.random.Generator | None = None) -> Tensor:
    """Fill t from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)): Var = gain^2 * 2 / (fan_in + fan_out)."""
    ### BEGIN SOLUTION
    fan_in, fan_out = calculate_fans(t)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill_(t, _generator(rng).uniform(-bound, bound, size=t.shape))
    ### END SOLUTION


def xavier_normal_(t: Tensor, gain: float = 1.0, rng: np.random.Generator | None = None) -> Tensor:
    """Fill t from N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    ### BEGIN SOLUTION
    fan_in, fan_out = calculate_fans(t)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill_(t, _generator(rng).normal(0.0, std, size=t.shape))
    ### END SOLUTION


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu",
                     rng: np.random.Generator | None = None) -> Tensor:
    """Fill t from U(-b, b), b = gain * sqrt(3 / fan): Var = gain^2 / fan (2 / fan_in for ReLU)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    ### BEGIN SOLUTION
    if t.numel() == 0:  # a fan of 0 would divide by zero, and there is nothing to fill
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return t
    fan = calculate_fans(t)[0 if mode == "fan_in" else 1]
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return _fill_(t, _generator(rng).uniform(-bound, bound, size=t.shape))
    ### END SOLUTION


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu",
                    rng: np.random.Generator | None = None) -> Tensor:
    """Fill t from N(0, std^2), std = gain / sqrt(fan) (sqrt(2 / fan_in) for ReLU)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    ### BEGIN SOLUTION
    if t.numel() == 0:  # a fan of 0 would divide by zero, and there is nothing to fill
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return t
    fan = calculate_fans(t)[0 if mode == "fan_in" else 1]
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill_(t, _generator(rng).normal(0.0, std, size=t.shape))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-initializers-fans", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_initializers_fans():
    """fan_in = in * k and fan_out = out * k for a weight (out, in, *kernel), k the product of the kernel sizes."""
    for shape, fans in [((5, 3), (3, 5)), ((16, 8, 3, 3), (72, 144)), ((4, 2, 5), (10, 20))]:
        got = calculate_fans(Parameter(np.zeros(shape)))
        assert got == fans, f"a {shape} weight has (fan_in, fan_out) = {fans}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4301)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 9, size=2)) + tuple(int(s) for s in rng.integers(1, 4, size=i % 3))
        observe(f"case {i}: fans of {shape}", calculate_fans(Parameter(np.zeros(shape))))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_initializers_fans()

# %% [markdown]
# Variances and bounds, on tensors large enough that the sample variance is within 5% of Var(W):

# %% nbgrader={"grade": true, "grade_id": "test-initializers-variance", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_initializers_variance():
    """Each initializer fills the tensor's own float32 array with mean 0 and its Var(W); a uniform one fills (-a, a)."""
    w, k = (300, 200), (128, 32, 3, 3)  # fans (200, 300) and (288, 1152)
    cases = [(xavier_uniform_, {}, w, 2 / 500), (xavier_uniform_, {"gain": 2.0}, w, 4 * 2 / 500),
             (xavier_normal_, {}, w, 2 / 500), (xavier_normal_, {"gain": 5 / 3}, w, (5 / 3) ** 2 * 2 / 500),
             (kaiming_uniform_, {}, w, 2 / 200), (kaiming_uniform_, {"mode": "fan_out"}, w, 2 / 300),
             (kaiming_uniform_, {"nonlinearity": "leaky_relu", "a": 0.2}, w, 2 / 1.04 / 200),
             (kaiming_normal_, {}, w, 2 / 200), (kaiming_normal_, {"nonlinearity": "linear"}, k, 1 / 288)]
    for init, kw, shape, var in cases:
        t = Parameter(np.zeros(shape))
        array, out = t.data, init(t, rng=np.random.default_rng(0), **kw)
        v, name = t.data.astype(np.float64), f"{init.__name__}{kw} on {shape}"
        assert out is t and t.data is array and t.dtype == np.float32, f"{name} must fill the tensor's own float32 array"
        assert abs(v.var() / var - 1) < 0.05, f"{name}: variance {v.var():.3g}, expected {var:.3g}"
        assert abs(v.mean()) < 0.05 * math.sqrt(var), f"{name}: the mean should be 0, got {v.mean():.3g}"
        a = math.sqrt(3 * var) if "uniform" in init.__name__ else np.inf  # U(-a, a) has variance a^2 / 3
        assert a == np.inf or 0.99 * a < np.abs(v).max() <= a * (1 + 1e-6), f"{name}: values must fill (-{a:.4g}, {a:.4g})"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4302)

    def observe_init(label, init, shape, bounded, **kw):
        """Observe what a correct init fixes whatever the order of its draws: statistics, not raw values."""
        t = Parameter(np.zeros(shape))
        array = t.data
        out = init(t, rng=np.random.default_rng(0), **kw)
        observe(f"{label}: returns the tensor, fills its own array, dtype",
                (out is t, t.data is array, str(t.dtype)))
        values = t.data.astype(np.float64)
        observe(f"{label}: variance", float(values.var()), rtol=0.05, atol=0.0)
        observe(f"{label}: mean / std", float(values.mean() / (values.std() + 1e-300)), rtol=0.0, atol=0.05)
        if bounded:
            observe(f"{label}: max |value| (the bound)", float(np.abs(values).max()), rtol=1e-3, atol=0.0)

    for i in range(6):
        out_f, in_f = (int(s) for s in rng.integers(150, 300, size=2))
        kernel = tuple(int(s) for s in rng.integers(1, 3, size=int(rng.integers(0, 3))))
        shape = (out_f, in_f) + kernel
        gain = float(rng.uniform(0.5, 2.0))
        observe_init(f"case {i}: xavier_uniform_", xavier_uniform_, shape, True, gain=gain)
        observe_init(f"case {i}: xavier_normal_", xavier_normal_, shape, False, gain=gain)
        mode = "fan_in" if rng.random() < 0.5 else "fan_out"
        slope = float(rng.uniform(0.0, 0.5))
        observe_init(f"case {i}: kaiming_uniform_ leaky_relu", kaiming_uniform_, shape, True,
                     mode=mode, nonlinearity="leaky_relu", a=slope)
        observe_init(f"case {i}: kaiming_normal_ leaky_relu", kaiming_normal_, shape, False,
                     mode=mode, nonlinearity="leaky_relu", a=slope)
        observe_init(f"case {i}: kaiming_normal_ tanh", kaiming_normal_, shape, False, mode=mode, nonlinearity="tanh")
    t64 = Parameter(Tensor(np.zeros((200, 300)), dtype=np.float64))
    kaiming_uniform_(t64, rng=np.random.default_rng(0))
    observe("float64 tensor after kaiming_uniform_: dtype", str(t64.dtype))
    observe("float64 tensor after kaiming_uniform_: variance", float(t64.data.var()), rtol=0.05, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_initializers_variance()

# %% nbgrader={"grade": true, "grade_id": "test-initializers-seed", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_initializers_seed():
    """The same generator state gives the same weights, bit for bit; a zero-element weight only warns."""
    draw = lambda init, **kw: init(Parameter(np.zeros((4, 3))), **kw).data
    first, again = (draw(xavier_uniform_, rng=np.random.default_rng(5)) for _ in range(2))
    assert np.array_equal(first, again), "the same rng seed must give the same values"
    manual_seed(3)
    first, after = draw(kaiming_normal_), draw(kaiming_normal_)
    manual_seed(3)
    assert np.array_equal(first, draw(kaiming_normal_)), "without rng, draw from the generator that manual_seed sets"
    assert not np.array_equal(first, after), "two draws in a row must differ"
    for init in (kaiming_uniform_, kaiming_normal_):  # Linear(0, 3) has a (3, 0) weight: no fan to divide by
        empty = Parameter(np.zeros((3, 0)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert init(empty) is empty and empty.shape == (3, 0), f"{init.__name__} on (3, 0) must return the tensor"
        assert any("zero-element" in str(w.message) for w in caught), f"{init.__name__} on (3, 0) must warn"

    ### BEGIN HIDDEN TESTS
    for seed in (7, 8):
        manual_seed(seed)
        first = [init(Parameter(np.zeros((3, 2)))).data for init in (xavier_uniform_, xavier_normal_, kaiming_uniform_)]
        manual_seed(seed)
        again = [init(Parameter(np.zeros((3, 2)))).data for init in (xavier_uniform_, xavier_normal_, kaiming_uniform_)]
        observe(f"manual_seed({seed}) twice: the same weights", [np.array_equal(u, v) for u, v in zip(first, again)])
    for shape, mode in (((0, 4), "fan_in"), ((4, 0), "fan_out"), ((2, 0, 3), "fan_in")):
        for init in (kaiming_uniform_, kaiming_normal_):
            z = Parameter(np.zeros(shape))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    same = init(z, mode=mode, rng=np.random.default_rng(0)) is z
                except ZeroDivisionError:
                    same = "ZeroDivisionError"
            observe(f"{init.__name__} on zero-element {shape}, {mode}: returns the tensor", same)
            observe(f"{init.__name__} on zero-element {shape}, {mode}: warnings about zero elements",
                    sum("zero-element" in str(w.message) for w in caught))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_initializers_seed()

# %% [markdown]
# Depth: data through 30 layers of width 256, in NumPy. With He init a ReLU stack keeps E[x^2] of order 1; with
# Xavier (half the variance) it collapses to about 0.5^30; with four times the gain it explodes.

# %% nbgrader={"grade": true, "grade_id": "test-initializers-depth", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_initializers_depth():
    """E[x^2] after 30 layers stays of order 1 only with the init made for the nonlinearity."""
    def deep(init, act, depth=30, width=256, **kw):  # E[x^2] after `depth` layers act(x @ W.T)
        rng = np.random.default_rng(1)
        x = rng.standard_normal((256, width))
        for _ in range(depth):
            x = act(x @ init(Parameter(np.zeros((width, width))), rng=rng, **kw).data.astype(np.float64).T)
        return float(np.mean(x ** 2))

    relu = lambda z: np.maximum(z, 0.0)
    cases = [(kaiming_normal_, relu, {}, 0.1, 10, "ReLU with He init stays near 1"),
             (xavier_normal_, relu, {}, 0.0, 1e-5, "ReLU with Xavier init (half He's variance) collapses"),
             (xavier_normal_, relu, {"gain": 4.0}, 1e5, np.inf, "ReLU with 4x the Xavier gain explodes"),
             (xavier_normal_, np.tanh, {"gain": calculate_gain("tanh")}, 0.1, 1, "tanh with Xavier, gain 5/3, stays O(1)"),
             (xavier_normal_, np.tanh, {"gain": 0.5}, 0.0, 1e-5, "tanh with gain 0.5 collapses")]
    for init, act, kw, low, high, law in cases:
        assert low < (got := deep(init, act, **kw)) < high, f"{law}: E[x^2] after 30 layers is {got:.3g}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4303)
    for i in range(3):
        depth, width = int(rng.integers(8, 20)), int(rng.integers(100, 200))
        he, xavier = deep(kaiming_normal_, relu, depth, width), deep(xavier_normal_, relu, depth, width)
        observe(f"case {i}: log10 E[x^2] after {depth} ReLU layers of width {width}, He init", math.log10(he),
                rtol=0.0, atol=0.3)
        observe(f"case {i}: log2 of He over Xavier E[x^2] after {depth} ReLU layers", math.log2(he / xavier),
                rtol=0.0, atol=0.5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_initializers_depth()

# %%
if __name__ == "__main__":
    # E[x^2] after 4, 8, ..., 20 ReLU layers of width 128 (inputs with E[x^2] = 1), He init against Xavier.
    _rng = np.random.default_rng(0)
    for _name, _init in [("kaiming_normal_", kaiming_normal_), ("xavier_normal_", xavier_normal_)]:
        _x, _row = _rng.standard_normal((64, 128)), []
        for _layer in range(1, 21):
            _x = np.maximum(_x @ _init(Parameter(np.zeros((128, 128))), rng=_rng).data.T, 0.0)
            if _layer % 4 == 0:
                _row.append(f"{np.mean(_x ** 2):.1e}")
        print(f"{_name:>16}: " + "  ".join(_row))

# %% [markdown]
# ## 4. The linear operation
#
# `linear(x, weight, bias)` computes y = x @ weight.T + bias with
#
# | array | shape |
# |---|---|
# | x | (*, in_features): any number of leading axes (a batch, a batch of sequences, or none) |
# | weight | (out_features, in_features) |
# | bias | (out_features,), or None |
# | y | (*, out_features) |
#
# Built from module 02's operations this is three graph nodes (transpose, matmul, add), three backward rules
# and two intermediate arrays kept alive. As one operation it is one node, and its backward is three matrix
# products. Flatten the leading axes, X = x.reshape(-1, in_features) and G = grad.reshape(-1, out_features); then
#
#     d_x = grad @ weight                 (*, out) @ (out, in) -> (*, in)
#     d_weight = G.T @ X                  (out, n) @ (n, in) -> (out, in): summed over every leading position
#     d_bias = G.sum(axis=0)              (out,)
#
# Flattening also makes the forward one matrix product, (n, in) @ (in, out), instead of one per leading index.
# Give the row count n = prod(x.shape[:-1]) explicitly: `reshape(-1, 0)` cannot infer it, and a layer with zero
# inputs or outputs (`Linear(0, 3)`, `Linear(3, 0)`) must still work, as in PyTorch.
#
# **Task: `linear`.** Compute the forward in NumPy, then return `record_op("linear", out, parents, backward)`
# with parents `(x, weight, bias)`, or `(x, weight)` without bias. Compute only the gradients someone needs:
# the network's input usually does not require grad, and its `d_x` would be the largest product of all.
# `array_of(t)` and `_wants_grad(t)` are given.

# %% nbgrader={"grade": false, "grade_id": "linear-function", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _wants_grad(t) -> bool:
    """True when t is a Tensor that requires grad."""
    return isinstance(t, Tensor) and t.requires_grad


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias for x (*, in_features), weight (out_features, in_features), bias (out_features,)."""
    X, W = array_of(x), array_of(weight)
    B = None if bias is None else array_of(bias)
    if W.ndim != 2 or X.ndim < 1 or X.shape[-1] != W.shape[1]:
        raise ValueError(f"linear: x of shape {X.shape} needs a last axis equal to weight's second, weight has shape {W.shape}")
    if B is not None and B.shape != (W.shape[0],):
        raise ValueError(f"linear: bias must have shape ({W.shape[0]},), got {B.shape}")
    ### BEGIN SOLUTION
    out_features, in_features = W.shape
    rows = math.prod(X.shape[:-1])  # not -1: reshape cannot infer it when a feature count is 0
    X2 = X.reshape(rows, in_features)  # every leading position is one row: one matrix product
    out = X2 @ W.T
    if B is not None:
        out = out + B
    out = out.reshape(X.shape[:-1] + (out_features,))

    def backward(grad: np.ndarray) -> tuple:
        G = grad.reshape(rows, out_features)
        d_x = (G @ W).reshape(X.shape) if _wants_grad(x) else None
        d_w = G.T @ X2 if _wants_grad(weight) else None
        if B is None:
            return d_x, d_w
        return d_x, d_w, (G.sum(axis=0) if _wants_grad(bias) else None)

    parents = (x, weight) if B is None else (x, weight, bias)
    return record_op("linear", out, parents, backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-linear-function-values", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_function_values():
    """linear = x @ W.T + b as ONE graph node, with d_x = G @ W, d_W = G.T @ x and d_b = G summed over the rows."""
    x = Tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]], dtype=np.float64, requires_grad=True)
    W = Tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]], dtype=np.float64, requires_grad=True)
    b = Tensor([0.1, -0.2], dtype=np.float64, requires_grad=True)
    y = linear(x, W, b)
    assert isinstance(y, Tensor) and y.shape == (2, 2) and y.dtype == np.float64, f"expected a float64 (2, 2) Tensor, got {y!r}"
    assert np.allclose(y.data, [[-1.9, 2.8], [-0.9, -0.2]]), f"x @ W.T + b should be [[-1.9, 2.8], [-0.9, -0.2]], got {y.data}"
    assert y._op == "linear" and len(y._parents) == 3, "linear must be ONE record_op('linear', ...) node with parents (x, weight, bias)"
    assert {id(p) for p in y._parents} == {id(x), id(W), id(b)}, "the parents of the node must be x, weight and bias"
    no_bias = linear(x, W)
    assert no_bias._op == "linear" and len(no_bias._parents) == 2, "without bias the parents are (x, weight)"
    G = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y.backward(G)
    for t, want, law in [(x, G @ W.data, "d_x = G @ W"), (W, G.T @ x.data, "d_W = G.T @ x"), (b, G.sum(axis=0), "d_b = G summed")]:
        assert np.allclose(t.grad.data, want), law

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4401)
    for i in range(6):
        lead = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 4))))
        n_in, n_out = (int(s) for s in rng.integers(1, 6, size=2))
        xt, wt, bt = leaves(rng, lead + (n_in,), (n_out, n_in), (n_out,))
        out = linear(xt, wt, bt)
        observe(f"case {i}: linear forward on {lead + (n_in,)}: shape", tuple(out.shape))
        observe(f"case {i}: linear forward on {lead + (n_in,)}: values", out.data)
        out.backward(rng.standard_normal(lead + (n_out,)))
        observe(f"case {i}: d_x", xt.grad.data)
        observe(f"case {i}: d_W", wt.grad.data)
        observe(f"case {i}: d_b", bt.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_function_values()

# %% nbgrader={"grade": true, "grade_id": "test-linear-function-grads", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads


def test_linear_function_grads():
    """Forward and backward are right for any number of leading axes, with and without bias (central differences)."""
    rng = np.random.default_rng(4402)
    for x_shape, n_out in [((4, 3), 2), ((2, 5, 3), 4), ((1, 3), 1), ((3, 1, 3), 2), ((2, 3, 1), 3), ((3,), 2)]:
        x, w, b = rng.standard_normal(x_shape), rng.standard_normal((n_out, x_shape[-1])), rng.standard_normal(n_out)
        out = linear(*(Tensor(a, dtype=np.float64) for a in (x, w, b)))
        assert out.shape == x_shape[:-1] + (n_out,) and np.allclose(out.data, x @ w.T + b), f"linear on x {x_shape}, {n_out} outputs"
        check_grads(Tensor, linear, x, w, b, name=f"linear on x {x_shape}")
        check_grads(Tensor, linear, x, w, name=f"linear without bias on x {x_shape}")

    ### BEGIN HIDDEN TESTS
    from tito.testkit import observe_grads

    for i in range(6):
        lead = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        n_in, n_out = (int(s) for s in rng.integers(1, 6, size=2))
        x, w, b = rng.standard_normal(lead + (n_in,)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
        observe(f"case {i}: linear on x {lead + (n_in,)}: values", linear(*(Tensor(a, dtype=np.float64) for a in (x, w, b))).data)
        # was a gradcheck: the gradients for fixed output weights, with gradcheck's tolerances
        observe_grads(f"case {i}: linear on x {lead + (n_in,)}", Tensor, linear, x, w, b, rtol=1e-4, atol=1e-5)
        observe_grads(f"case {i}: linear without bias on x {lead + (n_in,)}", Tensor, linear, x, w, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_function_grads()

# %% nbgrader={"grade": true, "grade_id": "test-linear-function-frozen", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_function_frozen():
    """Only operands that require grad get a gradient; float32 stays float32; a frozen weight still passes d_x."""
    rng = np.random.default_rng(4403)
    x32, w32 = Tensor(rng.standard_normal((5, 3))), Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y32 = linear(x32, w32, Tensor(np.zeros(2)))
    assert y32.dtype == np.float32, "float32 in, float32 out"
    y32.sum().backward()
    assert x32.grad is None and w32.grad.dtype == np.float32, "the input needs no gradient; the weight's stays float32"
    assert np.allclose(w32.grad.data, np.ones((5, 2)).T @ x32.data, atol=1e-5), "d_W of a float32 layer"
    xa, frozen = leaves(rng, (4, 3))[0], Tensor(rng.standard_normal((2, 3)), dtype=np.float64)
    linear(xa, frozen).sum().backward()
    assert np.allclose(xa.grad.data, np.ones((4, 2)) @ frozen.data), "a frozen weight still passes the gradient to x"

    ### BEGIN HIDDEN TESTS
    for i in range(4):
        n, n_in, n_out = (int(s) for s in rng.integers(1, 6, size=3))
        xh, wh = Tensor(rng.standard_normal((n, n_in))), Tensor(rng.standard_normal((n_out, n_in)), requires_grad=True)
        bh = Tensor(rng.standard_normal(n_out))
        yh = linear(xh, wh, bh)
        yh.backward(rng.standard_normal((n, n_out)).astype(np.float32))
        observe(f"case {i}: float32 output dtype; which operands got a gradient",
                (str(yh.dtype), xh.grad is None, bh.grad is None, str(wh.grad.dtype)))
        observe(f"case {i}: d_W of a float32 layer", wh.grad.data, rtol=1e-4, atol=1e-5)
        xf, wf = leaves(rng, (n, n_in))[0], Tensor(rng.standard_normal((n_out, n_in)), dtype=np.float64)
        linear(xf, wf).backward(rng.standard_normal((n, n_out)))
        observe(f"case {i}: d_x through a frozen weight", xf.grad.data)
        observe(f"case {i}: the frozen weight's gradient is None", wf.grad is None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_function_frozen()

# %% nbgrader={"grade": true, "grade_id": "test-linear-function-empty", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_function_empty():
    """With in_features 0, linear is the bias; with out_features 0, it is empty; backward works on both."""
    rng = np.random.default_rng(4404)
    x0, w0, b0 = leaves(rng, (2, 0), (3, 0), (3,))
    y0 = linear(x0, w0, b0)
    assert y0.shape == (2, 3) and np.allclose(y0.data, b0.data), "with in_features 0, linear is the bias"
    y0.sum().backward()
    assert x0.grad.shape == (2, 0) and w0.grad.shape == (3, 0) and np.allclose(b0.grad.data, 2.0), "in_features 0: gradients"
    x1, w1, b1 = leaves(rng, (2, 3), (0, 3), (0,))
    y1 = linear(x1, w1, b1)
    assert y1.shape == (2, 0), f"out_features 0 gives shape (2, 0), got {y1.shape}"
    y1.backward(np.zeros((2, 0)))
    assert np.array_equal(x1.grad.data, np.zeros((2, 3))) and w1.grad.shape == (0, 3), "out_features 0: d_x is zeros"

    ### BEGIN HIDDEN TESTS
    for lead, n_in, n_out in (((4,), 0, 2), ((2, 3), 3, 0), ((0,), 2, 3), ((2, 2), 0, 0)):
        xs, ws, bs = leaves(rng, lead + (n_in,), (n_out, n_in), (n_out,))
        y = linear(xs, ws, bs)
        y.backward(rng.standard_normal(lead + (n_out,)))
        observe(f"linear with zero features, x {lead + (n_in,)}, {n_out} outputs: values", y.data)
        observe(f"linear with zero features, x {lead + (n_in,)}, {n_out} outputs: gradient shapes",
                [tuple(xs.grad.shape), tuple(ws.grad.shape), tuple(bs.grad.shape)])
        observe(f"linear with zero features, x {lead + (n_in,)}, {n_out} outputs: d_x and d_b",
                [xs.grad.data, bs.grad.data])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_function_empty()

# %% [markdown]
# ## 5. The Linear layer
#
# `Linear(in_features, out_features, bias=True, init="he")` owns `weight` (out_features, in_features) and
# `bias` (out_features,) and computes `linear(x, self.weight, self.bias)`.
#
# The weights must be random; the biases can be zero. If every weight started equal, every unit of a layer
# would compute the same value and receive the same gradient, so they would stay equal through training: the
# layer would be one unit, copied. Random weights break that symmetry; once the weights differ, zero biases
# do no harm. `init="he"` (the default, for ReLU networks) fills the weight with `kaiming_uniform_`,
# `init="xavier"` with `xavier_uniform_`, both from the shared generator. (PyTorch's own default is a uniform
# with Var = 1/(3 fan_in), and random biases.)
#
# As in PyTorch, `Linear(0, 3)` and `Linear(3, 0)` are legal: the He initializer warns and leaves the empty
# weight as it is, and `linear` handles zero features, so no special case is needed here.
#
# **Task: `Linear.__init__` and `forward`.** Parameters are float32; assign `self.bias = None` when `bias` is
# False.

# %% nbgrader={"grade": false, "grade_id": "linear-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Linear(Module):
    """y = x @ weight.T + bias; weight (out_features, in_features) from He or Xavier init, bias zeros."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init: str = "he") -> None:
        super().__init__()
        if init not in ("he", "xavier"):
            raise ValueError(f"init must be 'he' or 'xavier', got {init!r}")
        self.in_features, self.out_features = in_features, out_features
        ### BEGIN SOLUTION
        self.weight = Parameter(np.zeros((out_features, in_features), dtype=np.float32))
        if init == "he":
            kaiming_uniform_(self.weight, nonlinearity="relu")
        else:
            xavier_uniform_(self.weight)
        self.bias = Parameter(np.zeros(out_features, dtype=np.float32)) if bias else None
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """x (*, in_features) -> (*, out_features)."""
        ### BEGIN SOLUTION
        return linear(x, self.weight, self.bias)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

# %% nbgrader={"grade": true, "grade_id": "test-linear-module-init", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_module_init():
    """Linear has a random float32 (out, in) weight from He (default) or Xavier init, a zero bias; a seed rebuilds it."""
    manual_seed(0)
    layer = Linear(5, 3)
    w, b = layer.weight, layer.bias
    assert names(layer.named_parameters()) == ["weight", "bias"], "Linear's parameters are 'weight' then 'bias'"
    assert isinstance(w, Parameter) and w.shape == (3, 5) and w.dtype == np.float32, "weight: a float32 (out, in) Parameter"
    assert isinstance(b, Parameter) and b.shape == (3,) and b.dtype == np.float32 and not b.data.any(), "bias: float32 (out,) zeros"
    assert len(np.unique(w.data)) == 15 and np.abs(w.data).max() <= math.sqrt(6 / 5) + 1e-6, "random, He: |w| <= sqrt(6 / 5)"
    for kw, var in (({}, 2 / 400), ({"init": "xavier"}, 2 / 700)):  # He: 2 / fan_in; Xavier: 2 / (fan_in + fan_out)
        got = float(Linear(400, 300, **kw).weight.data.var())
        assert abs(got / var - 1) < 0.05, f"Linear(400, 300, {kw}): Var(W) should be {var:.3g}, got {got:.3g}"
    manual_seed(11)
    first, second = Linear(4, 2).weight.data.copy(), Linear(4, 2).weight.data.copy()
    manual_seed(11)
    assert np.array_equal(Linear(4, 2).weight.data, first) and not np.array_equal(first, second), \
        "the same seed must build the same layer, bit for bit; two layers in a row must get different weights"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4501)
    for i in range(5):
        n_in, n_out = (int(s) for s in rng.integers(1, 8, size=2))
        manual_seed(int(rng.integers(1000)))
        init = "xavier" if rng.random() < 0.5 else "he"
        lay = Linear(n_in, n_out, init=init)
        observe(f"case {i}: Linear({n_in}, {n_out}, init={init!r}): weight and bias shapes",
                (tuple(lay.weight.shape), tuple(lay.bias.shape)))
        # bounds: with about 20000 weights the largest |w| is the bound to within 1e-3
        wide = -(-20000 // n_in)
        he, xavier = Linear(n_in, wide), Linear(n_in, wide, init="xavier")
        observe(f"case {i}: He init of Linear({n_in}, {wide}): max |w|", float(np.abs(he.weight.data).max()),
                rtol=1e-3, atol=0.0)
        observe(f"case {i}: Xavier init of Linear({n_in}, {wide}): max |w|", float(np.abs(xavier.weight.data).max()),
                rtol=1e-3, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_module_init()

# %% nbgrader={"grade": true, "grade_id": "test-linear-module-forward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_module_forward():
    """forward is linear(x, weight, bias) on any leading axes; with bias=False there is no bias at all."""
    rng = np.random.default_rng(4502)
    layer, plain, x = Linear(5, 3), Linear(5, 2, bias=False), Tensor(rng.standard_normal((4, 5)))
    y = layer(x)
    assert y.shape == (4, 3) and np.allclose(y.data, x.data @ layer.weight.data.T + layer.bias.data, atol=1e-6), "x @ W.T + b"
    assert y._op == "linear", "forward must use linear()"
    layer(Tensor(rng.standard_normal((2, 4, 5)))).sum().backward()
    assert layer.weight.grad.shape == (3, 5) and layer.bias.grad.shape == (3,), "gradients reach weight and bias"
    assert np.allclose(layer.bias.grad.data, 8.0), "d_b of a sum over 2 * 4 positions is 8"
    assert plain.bias is None and names(plain.named_parameters()) == ["weight"], "bias=False: no bias parameter"
    assert np.allclose(plain(x).data, x.data @ plain.weight.data.T, atol=1e-6), "bias=False: x @ W.T"
    assert repr(plain) == "Linear(in_features=5, out_features=2, bias=False)", f"repr: {plain!r}"
    assert repr(layer) == "Linear(in_features=5, out_features=3, bias=True)", f"repr: {layer!r}"

    ### BEGIN HIDDEN TESTS
    for i in range(5):
        n_in, n_out = (int(s) for s in rng.integers(1, 8, size=2))
        lay = Linear(n_in, n_out, bias=bool(rng.random() < 0.7))
        # the draws of an init are the student's to order: fix the weights, then check forward
        lay.weight.data[...] = rng.standard_normal((n_out, n_in))
        if lay.bias is not None:
            lay.bias.data[...] = rng.standard_normal(n_out)
        xx = Tensor(rng.standard_normal((3, n_in)))
        observe(f"case {i}: forward of Linear({n_in}, {n_out}, bias={lay.bias is not None})", lay(xx).data,
                rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_module_forward()

# %% nbgrader={"grade": true, "grade_id": "test-linear-module-empty", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_linear_module_empty():
    """Linear(0, 3) and Linear(3, 0) are legal, as in PyTorch: the init warns, forward and backward work."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        no_in, no_out = Linear(0, 3), Linear(3, 0)
    assert no_in.weight.shape == (3, 0) and np.allclose(no_in(Tensor(np.zeros((2, 0)))).data, 0.0), "Linear(0, 3) outputs its zero bias"
    xz = Tensor(np.random.default_rng(4503).standard_normal((2, 3)), requires_grad=True)
    no_out(xz).sum().backward()
    assert no_out(xz).shape == (2, 0) and np.array_equal(xz.grad.data, np.zeros((2, 3))), "Linear(3, 0): empty output, zero d_x"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4504)
    for n_in, n_out in ((0, 4), (4, 0), (0, 0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lay = Linear(n_in, n_out)
        xx = Tensor(rng.standard_normal((3, n_in)), requires_grad=True)
        y = lay(xx)
        y.backward(rng.standard_normal((3, n_out)))
        observe(f"Linear({n_in}, {n_out}): output", y.data)
        observe(f"Linear({n_in}, {n_out}): d_x, d_weight, d_bias", [xx.grad.data, lay.weight.grad.data, lay.bias.grad.data])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_linear_module_empty()

# %% [markdown]
# ## 6. Activations as layers
#
# Module 03's functions become Modules so that they can stand in a `Sequential` between two `Linear` layers.
# Names and arguments are `torch.nn`'s. Only `PReLU` has state: its slope is a `Parameter` named `weight`,
# of shape (num_parameters,) and filled with `init`; with `num_parameters` = C, each channel (axis 1) learns
# its own slope.
#
# **Task: the ten `forward` methods, and `PReLU.__init__`.** Each forward is one call to module 03.

# %% nbgrader={"grade": false, "grade_id": "activation-modules", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return relu(x)
        ### END SOLUTION


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return leaky_relu(x, self.negative_slope)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """x for x > 0, weight * x otherwise, with a learned slope per channel (or one for all)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        ### BEGIN SOLUTION
        self.weight = Parameter(np.full(num_parameters, init, dtype=np.float32))
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return prelu(x, self.weight)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return elu(x, self.alpha)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x), exact ("none") or with the tanh approximation ("tanh")."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return gelu(x, approximate=self.approximate)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x)."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return silu(x)
        ### END SOLUTION


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return sigmoid(x)
        ### END SOLUTION


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return tanh(x)
        ### END SOLUTION


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return softmax(x, dim=self.dim)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - log(sum(exp(x))) along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return log_softmax(x, dim=self.dim)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

# %% nbgrader={"grade": true, "grade_id": "test-activation-modules-values", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe

import tinytorch.core.activations as F


def test_activation_modules_values():
    """Each activation Module computes module 03's function with its own arguments and defaults; it has no parameters."""
    x = Tensor(np.random.default_rng(4601).standard_normal((3, 4, 5)) * 3, dtype=np.float64)
    cases = [(ReLU(), F.relu(x), "ReLU()"), (LeakyReLU(), F.leaky_relu(x, 0.01), "LeakyReLU(negative_slope=0.01)"),
             (LeakyReLU(0.2), F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"), (ELU(), F.elu(x, 1.0), "ELU(alpha=1.0)"),
             (ELU(alpha=0.5), F.elu(x, 0.5), "ELU(alpha=0.5)"), (GELU(), F.gelu(x), "GELU(approximate='none')"),
             (GELU(approximate="tanh"), F.gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
             (SiLU(), F.silu(x), "SiLU()"), (Sigmoid(), F.sigmoid(x), "Sigmoid()"), (Tanh(), F.tanh(x), "Tanh()"),
             (Softmax(dim=1), F.softmax(x, dim=1), "Softmax(dim=1)"), (Softmax(), F.softmax(x, dim=-1), "Softmax(dim=-1)"),
             (LogSoftmax(dim=0), F.log_softmax(x, dim=0), "LogSoftmax(dim=0)")]
    for layer, want, text in cases:
        got = layer(x)
        assert isinstance(got, Tensor) and got.shape == x.shape, f"{text} must return a Tensor of x's shape"
        assert np.allclose(got.data, want.data, rtol=1e-12, atol=1e-12), f"{text} differs from module 03's function"
        assert list(layer.parameters()) == [] and repr(layer) == text, f"{text} has no parameters and prints as {text}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4602)
    for i in range(4):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(2, 4))))
        xh = Tensor(rng.standard_normal(shape) * 2, dtype=np.float64)
        slope, alpha, dim = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 2)), int(rng.integers(-len(shape), len(shape)))
        for layer in [LeakyReLU(slope), ELU(alpha), Softmax(dim), LogSoftmax(dim), ReLU(), SiLU(), Sigmoid(), Tanh(),
                      GELU(), GELU("tanh")]:
            observe(f"case {i}: {type(layer).__name__} on {shape}", layer(xh).data, rtol=1e-5, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_activation_modules_values()

# %% nbgrader={"grade": true, "grade_id": "test-activation-modules-prelu", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_activation_modules_prelu():
    """PReLU's slope is the float32 Parameter 'weight' of shape (num_parameters,): one learned slope per channel (axis 1)."""
    p = PReLU()
    assert names(p.named_parameters()) == ["weight"], "PReLU's slope is the parameter 'weight'"
    assert isinstance(p.weight, Parameter) and p.weight.shape == (1,) and p.weight.dtype == np.float32, "weight: float32, (1,)"
    assert np.allclose(p.weight.data, 0.25) and repr(p) == "PReLU(num_parameters=1)", "the default is one slope of 0.25"
    assert np.allclose(p(Tensor([-4.0, 2.0])).data, [-1.0, 2.0]), "PReLU([-4, 2]) with slope 0.25 = [-1, 2]"
    p3 = PReLU(3, init=0.1).double()
    assert p3.weight.shape == (3,) and np.allclose(p3.weight.data, 0.1), "PReLU(3, init=0.1): three slopes of 0.1"
    p3.weight.data[...] = [0.1, 0.2, 0.3]
    xc = Tensor(np.random.default_rng(4603).standard_normal((2, 3, 4)), dtype=np.float64)
    out = p3(xc)
    slope = np.array([0.1, 0.2, 0.3])[None, :, None]
    assert np.allclose(out.data, np.where(xc.data > 0, xc.data, slope * xc.data)), "one slope per channel (axis 1)"
    out.sum().backward()
    want = np.where(xc.data > 0, 0.0, xc.data).sum(axis=(0, 2))
    assert p3.weight.grad is not None and np.allclose(p3.weight.grad.data, want), "the slope's gradient: sum of x where x <= 0"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4604)
    for i in range(4):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(2, 4))))
        xh = Tensor(rng.standard_normal(shape) * 2, dtype=np.float64)
        c, slope = shape[1], float(rng.uniform(0.01, 0.5))
        pr = PReLU(c, init=slope).double()
        out = pr(xh)
        observe(f"case {i}: PReLU({c}, init=slope) on {shape}", out.data)
        out.backward(rng.standard_normal(shape))
        observe(f"case {i}: PReLU({c}) slope gradient", pr.weight.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_activation_modules_prelu()

# %% [markdown]
# ## 7. Sequential
#
# `Sequential(m0, m1, m2)` is the network m2(m1(m0(x))). It registers its modules under the names "0", "1",
# "2" (so parameters are named "0.weight", "2.bias", exactly as in PyTorch), or under your own names when
# given one dict: `Sequential({"fc1": Linear(784, 128), "act": ReLU()})`. Like a list it has `len`, iteration
# and indexing; a slice is a new `Sequential` holding the same module objects under the same names (as in
# PyTorch: `seq[1:]` of three layers has the keys "1" and "2").
#
# **Task: `Sequential.__init__`, `forward`, `__getitem__`.** In `__init__`, register each `(name, module)` of
# `named` with `setattr` (raise `TypeError` for anything that is not a Module). `forward` feeds each module's
# output to the next (no modules: return x).

# %% nbgrader={"grade": false, "grade_id": "sequential", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Sequential(Module):
    """modules[-1](...modules[1](modules[0](x))): layers applied in order, registered as "0", "1", ..."""

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            named = list(modules[0].items())
        else:
            named = [(str(i), m) for i, m in enumerate(modules)]
        ### BEGIN SOLUTION
        for name, module in named:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential holds Modules; {name!r} is a {type(module).__name__}")
            setattr(self, name, module)
        ### END SOLUTION

    def forward(self, x):
        """Each module's output is the next one's input."""
        ### BEGIN SOLUTION
        for module in self._modules.values():
            x = module(x)
        return x
        ### END SOLUTION

    def __getitem__(self, index):
        """seq[i] is a module (negative i counts from the end); seq[a:b] a Sequential of those, names kept."""
        ### BEGIN SOLUTION
        if isinstance(index, slice):
            return Sequential(dict(list(self._modules.items())[index]))  # the modules keep their names
        return list(self._modules.values())[index]
        ### END SOLUTION

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add `module` at the end, named by its index."""
        setattr(self, str(len(self)), module)
        return self

# %% nbgrader={"grade": true, "grade_id": "test-sequential-forward", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_sequential_forward():
    """Sequential registers its modules as "0", "1", ... (or by the dict's names) and feeds each output to the next."""
    first, act, last = Linear(3, 4), ReLU(), Linear(4, 2)
    seq, x = Sequential(first, act, last), Tensor(np.random.default_rng(4701).standard_normal((5, 3)))
    assert names(seq.named_parameters()) == ["0.weight", "0.bias", "2.weight", "2.bias"], "parameter names as in PyTorch"
    y = seq(x)
    assert y.shape == (5, 2) and np.allclose(y.data, last(act(first(x))).data), "forward chains the modules in order"
    y.sum().backward()
    assert all(p.grad is not None for p in seq.parameters()), "the gradient reaches every layer"
    nested = Sequential(seq, Linear(2, 1))
    assert names(nested.named_parameters())[-3:] == ["0.2.bias", "1.weight", "1.bias"] and nested(x).shape == (5, 1), \
        "a Sequential inside a Sequential runs, and its names are dotted"
    named = Sequential({"fc1": Linear(3, 4), "act": ReLU(), "fc2": Linear(4, 2)})
    assert names(named.named_parameters()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], "dict names"
    assert named(x).shape == (5, 2) and Sequential()(x) is x, "a named Sequential runs; an empty one returns its input"
    assert error_message(TypeError, Sequential, Linear(2, 2), "relu") is not None, "a non-Module must raise TypeError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4702)
    for i in range(4):
        sizes = [int(s) for s in rng.integers(1, 6, size=int(rng.integers(2, 6)))]
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [Linear(a, b), Tanh()]
        for lay, a, b in zip(layers[::2], sizes, sizes[1:]):  # the init's draws are the student's to order: fix them
            lay.weight.data[...] = rng.standard_normal((b, a))
            lay.bias.data[...] = rng.standard_normal(b)
        net = Sequential(*layers)
        observe(f"chain {i}: parameter names", names(net.named_parameters()))
        xh = Tensor(rng.standard_normal((3, sizes[0])), dtype=np.float64)
        observe(f"chain {i}: forward", net(xh).data, rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sequential_forward()

# %% nbgrader={"grade": true, "grade_id": "test-sequential-index", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_sequential_index():
    """len, iteration, seq[i] and the repr follow the given order; a slice is a Sequential of the same modules, names kept."""
    first, act, last = Linear(3, 4), ReLU(), Linear(4, 2)
    seq = Sequential(first, act, last)
    assert len(seq) == 3 and list(seq) == [first, act, last], "len and iteration follow the given order"
    assert seq[0] is first and seq[-1] is last and seq[1] is act, "seq[i] is the i-th module; negative i from the end"
    assert error_message(IndexError, seq.__getitem__, 3) is not None, "seq[3] of a 3-module Sequential must raise IndexError"
    tail = seq[1:]
    assert isinstance(tail, Sequential) and list(tail) == [act, last], "a slice is a Sequential of the same modules"
    assert names(tail.named_parameters()) == ["2.weight", "2.bias"], "a slice keeps the modules' names"
    named = Sequential({"fc1": Linear(3, 4), "act": ReLU(), "fc2": Linear(4, 2)})
    assert named[0] is named.fc1 and named[-1] is named.fc2, "a named Sequential indexes by position"
    assert repr(Sequential(Linear(2, 3), Tanh())) == \
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Tanh()\n)", "repr like PyTorch's"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4703)
    for i in range(4):
        layers = [Tanh() if rng.random() < 0.5 else ReLU() for _ in range(int(rng.integers(2, 7)))]
        net = Sequential(*layers)

        def where(m):
            """Position of the module object m in `layers` (-1: not one of them)."""
            return next((j for j, lay in enumerate(layers) if lay is m), -1)

        observe(f"chain {i}: len", len(net))
        observe(f"chain {i}: iteration order", [where(m) for m in net])
        k = int(rng.integers(len(layers)))
        observe(f"chain {i}: net[{k}] and net[{k - len(layers)}]", [where(net[k]), where(net[k - len(layers)])])
        observe(f"chain {i}: net[{k}:]", [where(m) for m in net[k:]])
        observe(f"chain {i}: names of net[{k}:]", list(net[k:]._modules))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sequential_index()

# %%
if __name__ == "__main__":
    # The gradient norm of each Linear weight in a stack of 10 (Linear(64, 64), activation), input layer first.
    for _name, _act in [("Sigmoid", Sigmoid), ("ReLU", ReLU)]:
        manual_seed(0)
        _linears = [Linear(64, 64) for _ in range(10)]
        _net = Sequential(*[_m for _linear in _linears for _m in (_linear, _act())])
        _x = Tensor(np.random.default_rng(0).standard_normal((32, 64)).astype(np.float32))
        _net(_x).sum().backward()
        print(f"{_name:>8}: " + "  ".join(f"{np.linalg.norm(_l.weight.grad.data):.1e}" for _l in _linears))

# %% [markdown]
# ## 8. Dropout
#
# Dropout (Srivastava et al., 2014) zeroes each element with probability p during training, so no unit can
# rely on a particular other one being present; it is a strong regularizer for wide layers. Inverted dropout
# scales the survivors by 1/(1-p), which keeps the expected value: E[y] = (1-p) * x / (1-p) = x. Then
# evaluation needs no change at all: `Dropout` is the identity when `training` is False.
#
# The mask is random but fixed within one forward pass, and the gradient goes through the same mask:
# dy/dx = mask / (1-p). Multiplying by a constant array does both (module 02's `mul` with a non-Tensor
# operand). The mask comes from `_generator(self.rng)`: the shared generator unless the layer was given one.
#
# Pitfall: forgetting `model.eval()` before measuring accuracy leaves dropout on, and the predictions are
# noisy and worse than the model is.
#
# **Task: `Dropout.forward`.** In evaluation mode, or with p = 0, return x. With p = 1 every element is
# dropped: return zeros (x * 0.0), not 0 / 0. Otherwise keep each element where a uniform draw is >= p.

# %% nbgrader={"grade": false, "grade_id": "dropout", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Dropout(Module):
    """Training: zero each element with probability p and scale the rest by 1 / (1 - p). Evaluation: identity."""

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.rng = rng

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep = _generator(self.rng).random(x.shape) >= self.p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))  # float32 stays float32
        return x * mask
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"p={self.p}"

# %% nbgrader={"grade": true, "grade_id": "test-dropout-train", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_dropout_train():
    """Training: about p of the elements become 0, the rest are scaled by 1/(1-p); the gradient uses the same mask."""
    manual_seed(0)
    drop, x = Dropout(0.25), Tensor(np.ones((400, 250)), requires_grad=True)
    assert drop.training, "a new Dropout is in training mode"
    y = drop(x)
    assert isinstance(y, Tensor) and y.shape == x.shape and y.dtype == np.float32, "same shape, float32 stays float32"
    vals, zero = y.data, y.data == 0
    assert np.allclose(vals[~zero], 1 / 0.75), "survivors are scaled by 1 / (1 - p)"
    assert abs(zero.mean() - 0.25) < 0.01, f"about a quarter must be dropped, got {zero.mean():.3f}"
    assert abs(vals.mean() - 1.0) < 0.02, f"inverted dropout keeps the mean: got {vals.mean():.3f}"
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert x.grad is not None and np.allclose(x.grad.data, vals), "the gradient is the same mask / (1 - p)"
    assert not np.array_equal(drop(x).data, vals), "every forward pass draws a new mask"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4801)
    for i in range(4):
        p = float(rng.uniform(0.1, 0.9))
        shape = (int(rng.integers(200, 400)), int(rng.integers(200, 400)))
        d = Dropout(p, rng=np.random.default_rng(int(rng.integers(1000))))
        xh = Tensor(rng.uniform(1.0, 2.0, size=shape), dtype=np.float64, requires_grad=True)
        yh = d(xh)
        kept = yh.data != 0
        # the mask's draws are the student's to order: observe the drop rate and the scale, not the mask
        observe(f"case {i}: drop rate", float(1 - kept.mean()), rtol=0.0, atol=0.01)
        ratio = yh.data[kept] / xh.data[kept]
        observe(f"case {i}: smallest and largest y / x of the survivors", (float(ratio.min()), float(ratio.max())))
        observe(f"case {i}: dtype", str(yh.dtype))
        g = rng.standard_normal(shape)
        yh.backward(g)
        grad = xh.grad.data
        observe(f"case {i}: smallest and largest gradient / upstream of the survivors",
                (float((grad[kept] / g[kept]).min()), float((grad[kept] / g[kept]).max())))
        observe(f"case {i}: largest |gradient| of the dropped", float(np.abs(grad[~kept]).max(initial=0.0)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dropout_train()

# %% nbgrader={"grade": true, "grade_id": "test-dropout-seed", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_dropout_seed():
    """The mask comes from the generator manual_seed sets, or from the Dropout's own rng when it has one."""
    x = Tensor(np.ones((50, 40)))
    manual_seed(5)
    first = Dropout(0.5)(x).data
    manual_seed(5)
    assert np.array_equal(Dropout(0.5)(x).data, first), "the mask comes from the generator that manual_seed sets"
    own = [Dropout(0.5, rng=np.random.default_rng(1))(x).data for _ in range(2)]
    assert np.array_equal(own[0], own[1]), "a Dropout given its own rng draws from it"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4802)
    for i in range(3):
        p, seed = float(rng.uniform(0.2, 0.8)), int(rng.integers(1000))
        manual_seed(seed)
        a = Dropout(p)(x).data
        manual_seed(seed)
        b = Dropout(p)(x).data
        c = Dropout(p, rng=np.random.default_rng(seed))(x).data
        d = Dropout(p, rng=np.random.default_rng(seed))(x).data
        observe(f"case {i}: the same seed, the same mask (shared generator, own rng)", (np.array_equal(a, b), np.array_equal(c, d)))
        observe(f"case {i}: drop rate", float((a == 0).mean()), rtol=0.0, atol=0.05)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dropout_seed()

# %% nbgrader={"grade": true, "grade_id": "test-dropout-eval", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_dropout_eval():
    """In eval mode, and with p = 0, Dropout is the identity; p = 1 gives zeros (no 0 / 0) and no gradient."""
    drop, x = Dropout(0.25), Tensor(np.ones((40, 25)), requires_grad=True)
    assert np.array_equal(drop.eval()(x).data, x.data), "in evaluation mode Dropout is the identity"
    net, xs = Sequential(Linear(3, 3), Dropout(0.9)), Tensor(np.ones((2, 3)))
    net.eval()
    assert np.allclose(net(xs).data, net[0](xs).data), "model.eval() must turn off the Dropout inside"
    net.train()
    assert net[1].training, "model.train() turns it back on"
    x2 = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert np.array_equal(Dropout(0.0)(x2).data, x2.data), "p = 0 keeps everything"
    with np.errstate(all="raise"):
        out = Dropout(1.0)(x2)
    assert np.array_equal(out.data, np.zeros((2, 3))), "p = 1 drops everything, with no 0 / 0"
    out.sum().backward()
    assert np.array_equal(x2.grad.data, np.zeros((2, 3))), "p = 1: no gradient gets through"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4803)
    for i in range(3):
        xh = Tensor(rng.standard_normal((int(rng.integers(2, 6)), 4)), dtype=np.float64, requires_grad=True)
        d = Dropout(float(rng.uniform(0.1, 0.9)))
        d.eval()
        observe(f"case {i}: eval-mode output", d(xh).data, rtol=0, atol=0)
        observe(f"case {i}: p = 0 output", Dropout(0.0)(xh).data, rtol=0, atol=0)
        out = Dropout(1.0)(xh)
        out.backward(rng.standard_normal(xh.shape))
        observe(f"case {i}: p = 1 output and gradient", [out.data, xh.grad.data], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dropout_eval()

# %% [markdown]
# ## 9. Flatten
#
# Images arrive as (N, C, H, W) and a `Linear` layer wants (N, features). `Flatten(start_dim=1, end_dim=-1)`
# merges the axes start_dim..end_dim (inclusive, negative counts from the end) into one:
# (2, 3, 4, 5) -> (2, 60). It is a reshape, so its gradient is the upstream gradient reshaped back, which
# module 02's `reshape` already does.
#
# **Task: `Flatten.forward`.**

# %% nbgrader={"grade": false, "grade_id": "flatten", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Flatten(Module):
    """Merge the axes start_dim..end_dim (inclusive) into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        shape, n = x.shape, x.ndim
        start, end = self.start_dim, self.end_dim
        if not (-n <= start < n and -n <= end < n):
            raise IndexError(f"Flatten({start}, {end}) does not fit a tensor of shape {shape}")
        start, end = start % n, end % n
        if start > end:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim}")
        merged = int(np.prod(shape[start:end + 1]))
        return x.reshape(shape[:start] + (merged,) + shape[end + 1:])
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

# %% nbgrader={"grade": true, "grade_id": "test-flatten", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_flatten():
    """Flatten merges start_dim..end_dim in row-major order; the gradient is reshaped back."""
    data = np.arange(120.0).reshape(2, 3, 4, 5)
    x = Tensor(data, dtype=np.float64, requires_grad=True)
    cases = [(Flatten(), (2, 60)), (Flatten(0), (120,)), (Flatten(1, 2), (2, 12, 5)), (Flatten(-3, -2), (2, 12, 5)),
             (Flatten(2), (2, 3, 20)), (Flatten(0, 0), (2, 3, 4, 5)), (Flatten(0, -2), (24, 5))]
    for layer, shape in cases:
        y = layer(x)
        assert isinstance(y, Tensor) and y.shape == shape, f"{layer!r} on (2, 3, 4, 5) should give {shape}, got {getattr(y, 'shape', y)}"
        assert np.array_equal(y.data, data.reshape(shape)), f"{layer!r}: the elements keep their row-major order"
    y = Flatten()(x)
    g = np.random.default_rng(4901).standard_normal((2, 60))
    y.backward(g)
    assert x.grad.shape == (2, 3, 4, 5) and np.array_equal(x.grad.data, g.reshape(2, 3, 4, 5)), "the gradient is reshaped back"
    assert Flatten()(Tensor(np.ones((5, 1, 1)))).shape == (5, 1) and repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)", \
        "size-1 axes merge into size 1; the repr shows both dims"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4902)
    for i in range(8):
        nd = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=nd))
        start = int(rng.integers(0, nd))
        end = int(rng.integers(start, nd))
        s_arg = start - nd if rng.random() < 0.5 else start
        e_arg = end - nd if rng.random() < 0.5 else end
        arr = rng.standard_normal(shape)
        got = Flatten(s_arg, e_arg)(Tensor(arr, dtype=np.float64))
        observe(f"case {i}: Flatten({s_arg}, {e_arg}) on {shape}: shape", tuple(got.shape))
        observe(f"case {i}: Flatten({s_arg}, {e_arg}) on {shape}: values", got.data, rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_flatten()

# %% [markdown]
# ## 10. Residual connections
#
# `Residual(block)` computes y = x + block(x) (He et al., 2016), so its Jacobian is I + J_block. In a plain
# stack the gradient reaching layer 1 is a product of L Jacobians, which shrinks or grows geometrically with
# depth; in a residual stack every product also contains the identity path, along which the gradient arrives
# unchanged even when the blocks' Jacobians are small. That is what makes networks of a hundred layers
# trainable, and why every transformer block is residual. The block must return x's shape.
#
# **Task: `Residual.forward`.**

# %% nbgrader={"grade": false, "grade_id": "residual", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Residual(Module):
    """y = x + block(x): the block learns a correction to the identity."""

    def __init__(self, block: Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return x + self.block(x)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-residual-values", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_residual_values():
    """y = x + block(x): a block that outputs 0 gives the identity; backward matches central differences."""
    rng = np.random.default_rng(5001)
    res = Residual(Linear(4, 4))
    res.block.weight.data[...] = 0.0  # with the zero bias: a block that outputs 0
    assert names(res.named_parameters()) == ["block.weight", "block.bias"], "the block is registered as 'block'"
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    (y := res(x)).sum().backward()
    assert np.allclose(y.data, x.data) and np.allclose(x.grad.data, 1.0), "a zero block: identity, and the gradient 1"
    res = Residual(Sequential(Linear(3, 5), Tanh(), Linear(5, 3))).double()
    for p in res.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    for shape in [(2, 3), (4, 1, 3), (1, 3)]:
        x = Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)
        assert np.allclose(res(x).data, x.data + res.block(x).data), f"Residual on {shape}: x + block(x)"
        gradcheck(lambda a, *params: res(a), [x] + list(res.parameters()))

    ### BEGIN HIDDEN TESTS
    for i in range(3):
        n = int(rng.integers(1, 5))
        r = Residual(Sequential(Linear(n, n), Tanh())).double()
        lin = r.block[0]
        lin.weight.data[...] = rng.standard_normal((n, n))  # the init's draws are the student's to order: fix them
        lin.bias.data[...] = rng.standard_normal(n)
        xh = Tensor(rng.standard_normal((int(rng.integers(1, 4)), n)), dtype=np.float64, requires_grad=True)
        out = r(xh)
        observe(f"case {i}: residual forward", out.data)
        # was a gradcheck: the gradients for fixed output weights, with gradcheck's tolerances
        out.backward(rng.standard_normal(xh.shape))
        observe(f"case {i}: gradients of x, weight, bias",
                [xh.grad.data, lin.weight.grad.data, lin.bias.grad.data], rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_residual_values()

# %% nbgrader={"grade": true, "grade_id": "test-residual-depth", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_residual_depth():
    """Through 40 small blocks the input gradient vanishes in a plain stack and survives in a residual one."""
    manual_seed(1)
    blocks = [Sequential(Linear(16, 16), Tanh()) for _ in range(40)]
    for b in blocks:
        b[0].weight.data *= 0.2  # small blocks: a plain stack of them shrinks every gradient
    plain, deep = Sequential(*blocks), Sequential(*[Residual(b) for b in blocks])
    norms = []
    for net in (plain, deep):
        x = Tensor(np.random.default_rng(5002).standard_normal((8, 16)), requires_grad=True)
        net(x).sum().backward()
        norms.append(float(np.linalg.norm(x.grad.data)))
    assert norms[0] < 1e-6, f"40 small plain blocks should make the input gradient vanish, got norm {norms[0]:.3g}"
    assert norms[1] > 1.0, f"with residual connections the input gradient must survive, got norm {norms[1]:.3g}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5003)
    for i in range(3):
        depth, n = int(rng.integers(5, 15)), int(rng.integers(2, 6))
        stack = Sequential(*[Residual(Sequential(Linear(n, n), Tanh())) for _ in range(depth)]).double()
        for r in stack:  # the init's draws are the student's to order: fix them
            r.block[0].weight.data[...] = 0.3 * rng.standard_normal((n, n))
            r.block[0].bias.data[...] = rng.standard_normal(n)
        xh = Tensor(rng.standard_normal((2, n)), dtype=np.float64, requires_grad=True)
        stack(xh).sum().backward()
        observe(f"case {i}: input gradient through {depth} residual blocks", xh.grad.data, rtol=1e-4, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_residual_depth()

# %% [markdown]
# ## 11. A network from the parts
#
# A two-layer network fits sin(x) on [-3, 3], with the mean squared error written out and plain gradient
# descent written out (module 05 packages losses, module 06 optimizers). Every piece of this module is used:
# `manual_seed`, `Sequential`, `Linear` with its He init, an activation layer, `parameters()`, `zero_grad()`,
# and `state_dict()` to keep the best weights.

# %%
if __name__ == "__main__":
    manual_seed(0)
    model = Sequential(Linear(1, 32), Tanh(), Linear(32, 1))
    xs = Tensor(np.linspace(-3, 3, 64, dtype=np.float32)[:, None])
    target = np.sin(xs.data)
    best, best_loss = None, float("inf")
    for step in range(501):
        loss = ((model(xs) - target) ** 2).mean()
        if loss.item() < best_loss:
            best, best_loss = model.state_dict(), loss.item()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad.data
        if step % 100 == 0:
            print(f"step {step:3d}  mse {loss.item():.5f}")
    model.load_state_dict(best)
    print(f"best mse {best_loss:.5f}")

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: `nn.Module`, the layers, their initializers. The table maps
# each PyTorch-shaped name to this module's object; `tito export` collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "nn.Module": "Module", "nn.Parameter": "Parameter", "nn.ModuleList": "ModuleList",
    "nn.Sequential": "Sequential", "nn.Linear": "Linear", "nn.ReLU": "ReLU", "nn.LeakyReLU": "LeakyReLU",
    "nn.PReLU": "PReLU", "nn.ELU": "ELU", "nn.GELU": "GELU", "nn.SiLU": "SiLU", "nn.Sigmoid": "Sigmoid",
    "nn.Tanh": "Tanh", "nn.Softmax": "Softmax", "nn.LogSoftmax": "LogSoftmax", "nn.Dropout": "Dropout",
    "nn.Flatten": "Flatten", "nn.Residual": "Residual", "nn.functional.linear": "linear",
    "nn.init.calculate_gain": "calculate_gain", "nn.init.xavier_uniform_": "xavier_uniform_",
    "nn.init.xavier_normal_": "xavier_normal_", "nn.init.kaiming_uniform_": "kaiming_uniform_",
    "nn.init.kaiming_normal_": "kaiming_normal_",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** The cell after the depth test printed E[x^2] after 4, 8, ..., 20 ReLU layers,
# with He and with Xavier init. Give the two values after 20 layers. By what factor does Xavier lose E[x^2]
# per layer, and where does that factor come from? What would the same stack do with twice He's variance?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-init-depth", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: He stays of order 1 after 20 layers (between about 0.1 and 10), Xavier is near
#   0.5^20 = 1e-6
# - 1 point: the factor is 1/2 per layer: Xavier gives Var(W) = 2 / (fan_in + fan_out) = 1 / fan_in for a
#   square layer, so Var(z) = E[x^2], and ReLU keeps E[relu(z)^2] = Var(z) / 2; He's 2 / fan_in restores it
# - 1 point: twice He's variance doubles E[x^2] per layer: 2^20, about 1e6, it explodes
# Model answer: After 20 layers He init gave E[x^2] = 0.26 and Xavier 6.7e-07. Xavier's variance for a square
# 128 x 128 layer is 2 / (128 + 128) = 1 / 128 = 1 / fan_in, so z keeps E[x^2] as its variance, and ReLU
# zeroes the negative half, keeping half of it: every layer halves E[x^2], and 0.5^20 is 9.5e-07, as measured.
# He's Var(W) = 2 / fan_in doubles z's variance to make up for that half. With twice He's variance each
# layer would double E[x^2] instead, about 2^20 = 1e6 after 20 layers.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (4 points).** The cell after the `Sequential` tests backpropagated through ten
# (Linear(64, 64), activation) blocks and printed the gradient norm of each Linear weight, input layer first.
# In the Sigmoid stack, which layer's gradient collapses, and by what factor does the norm change from one
# layer to the next? Explain the factor from the derivative of the sigmoid. What changes with ReLU, and what
# does this mean for training a deep sigmoid network?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-gradient-norms", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: with Sigmoid the first layer (nearest the input) has the smallest norm, about 1e-3,
#   some 1e5 times below the last layer's; each layer down loses a factor of about 3
# - 1 point: backward multiplies the gradient by W.T and by sigmoid's derivative s (1 - s) <= 0.25 at every
#   block, so the factor per layer is at most a quarter times the weights' gain; the layers furthest from the
#   loss are hit most often
# - 1 point: with ReLU the norms stay within a small factor (about 4 here) across all ten layers: the
#   derivative is 1 where the unit is active and He init keeps the scale
# - 1 point: consequence: with one learning rate the first sigmoid layers barely move while the last ones
#   take large steps; deep sigmoid stacks train slowly or not at all in their lower layers
# Model answer: In the sigmoid stack the first layer's weight gradient has norm 2.2e-03 and the last one's
# 2.5e+02, so the input layer collapses first, and the norm shrinks by a factor of about 3 for every block
# toward the input. Going down one block, backward multiplies by s (1 - s), at most 0.25, and by W.T, whose
# He scale gives back only a little, so the product is about 0.3 per block and compounds over ten blocks.
# With ReLU the norms ran from 7.9e+02 to 3.3e+03, within a factor of 4: the derivative is 1 for active units
# and He init keeps the scale. So a deep sigmoid network updates its first layers about 1e5 times more slowly
# than its last with the same learning rate: they hardly learn.
# ### END SOLUTION
