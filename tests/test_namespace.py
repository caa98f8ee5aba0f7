"""One Tensor and the PyTorch-shaped namespace, on the reference package and on a partly built one."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

import tinytorch
import tinytorch.core.autograd as autograd
import tinytorch.core.tensor as core
from workspace_factory import REPO


def test_tinytorch_tensor_is_the_autograd_tensor_and_the_factories_build_it():
    assert tinytorch.Tensor is autograd.Tensor
    for made in (core.zeros(2, 3), core.ones(3), core.randn(2), core.arange(4), core.full((2,), 1.5),
                 core.tensor([1.0]), core.zeros_like(core.ones(2)), tinytorch.rand(3)):
        assert type(made) is autograd.Tensor


def test_bug_cases_of_two_tensors():
    """Each raised or went wrong when module 01's factories built module 01's Tensor."""
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import mse_loss
    out = Linear(3, 2)(core.ones(4, 3))
    assert out.dtype == np.float32 and out.shape == (4, 2)
    assert float(mse_loss(core.ones(3), core.ones(3)).item()) == 0.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        core.ones(3).sum().backward()  # as PyTorch: a RuntimeError, not an AttributeError
    x = core.ones(3, requires_grad=True)
    x.sum().backward()
    assert np.array_equal(x.grad.data, [1, 1, 1])


def test_module_01_tensors_are_accepted_everywhere():
    """A Tensor of module 01 (made directly) goes into later modules without dtype=object arrays."""
    from tinytorch.core.layers import Linear
    plain = core.Tensor(np.ones((4, 3), dtype=np.float32))
    assert Linear(3, 2)(plain).dtype == np.float32
    assert np.asarray(plain).dtype == np.float32 and np.array([plain, plain]).dtype == np.float32


def test_namespace_names_resolve_to_their_modules():
    import tinytorch.nn as nn
    import tinytorch.nn.functional as F
    from tinytorch.optim.lr_scheduler import StepLR
    from tinytorch.utils.data import DataLoader
    assert nn.Linear.__module__ == "tinytorch.core.layers" and F.cross_entropy.__module__ == "tinytorch.core.losses"
    assert StepLR.__module__ == "tinytorch.core.optim" and DataLoader.__module__ == "tinytorch.core.data"
    assert tinytorch.no_grad is autograd.no_grad and tinytorch.exp is autograd.exp  # the differentiable one
    assert tinytorch.float32 is np.float32 and tinytorch.long is np.int64
    assert "Linear" in dir(nn) and "functional" in dir(nn) and "optim" in dir(tinytorch)
    with pytest.raises(AttributeError, match="no `nn.Conv3d`"):
        nn.Conv3d


def test_manual_seed_fixes_every_random_draw():
    import tinytorch.nn as nn
    draws = []
    for _ in range(2):
        tinytorch.manual_seed(5)
        draws.append((tinytorch.randn(3).data, nn.Linear(2, 2).weight.data.copy()))
    assert np.array_equal(draws[0][0], draws[1][0]) and np.array_equal(draws[0][1], draws[1][1])


def partial_package(tmp_path, finished: set[str]):
    """A copy of the reference package in which the modules not in `finished` still hold a stub."""
    lib = tmp_path / "tinytorch"
    shutil.copytree(REPO / "tinytorch", lib, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (lib / "core").glob("*.py"):
        if path.stem not in finished and path.stem != "__init__":
            path.write_text(path.read_text() + "\n\ndef _unfinished():\n    # YOUR CODE HERE\n"
                            "    raise NotImplementedError()\n")
    return tmp_path


def run_in(root, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)


def test_partly_built_package_resolves_to_finished_modules(tmp_path):
    root = partial_package(tmp_path, {"tensor"})
    run = run_in(root, "import tinytorch, tinytorch.core.tensor as c; print(tinytorch.Tensor is c.Tensor, "
                       "type(tinytorch.zeros(2)) is c.Tensor, (tinytorch.tensor([1., 2.]) * 2).tolist())")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "[2.0,", "4.0]"]


def test_unfinished_name_names_its_module(tmp_path):
    root = partial_package(tmp_path, {"tensor", "autograd", "activations"})
    run = run_in(root, "from tinytorch.nn import Linear")
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("tinytorch._namespace.NotBuiltError: `tinytorch.nn.Linear` comes from module 04 (layers)")
    assert "run `tito export 04`" in last
    run = run_in(root, "import tinytorch; print(tinytorch.relu.__module__)")
    assert run.stdout.strip() == "tinytorch.core.activations"
