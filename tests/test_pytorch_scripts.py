"""`import tinytorch as torch`: ordinary PyTorch scripts run on tinytorch with only their import lines changed.

Each script in tests/pytorch_scripts/ is written as a PyTorch user writes it and prints its test accuracy
(the GPT script: its held-out loss) on its last line. The test rewrites `torch` to `tinytorch` in the import
lines only (the names stay: `torch.`, `nn.`, `F.`), runs it, and checks the result; with torch installed it
runs the original too and compares.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workspace_factory import REPO

SCRIPTS = Path(__file__).with_name("pytorch_scripts")
DIGITS = REPO / "datasets" / "digits" / "digits.npz"
SHAKESPEARE = REPO / "datasets" / "tinyshakespeare" / "input.txt"
IMPORT = re.compile(r"^(import|from) torch\b", re.M)


def on_tinytorch(source: str) -> str:
    """`import torch` -> `import tinytorch as torch`; `import torch.nn as nn` -> `import tinytorch.nn as nn`;
    `from torch.x import y` -> `from tinytorch.x import y`. Nothing else changes."""
    source = re.sub(r"^import torch$", "import tinytorch as torch", source, flags=re.M)
    return IMPORT.sub(lambda m: f"{m.group(1)} tinytorch", source)


def run(source: str, tmp_path: Path, name: str, data: Path) -> list[str]:
    """Run a script with `data` as its argument; its output lines."""
    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    # one BLAS / OpenMP thread: these models are small, and threads only contend on a shared machine
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    run = subprocess.run([sys.executable, str(script), str(data)], cwd=REPO, capture_output=True, text=True,
                         timeout=600, env=dict(os.environ, PYTHONPATH=str(REPO), **threads))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return run.stdout.strip().splitlines()


def accuracy(source: str, tmp_path: Path, name: str) -> float:
    last = run(source, tmp_path, name, DIGITS)[-1]
    assert last.startswith("test accuracy "), last
    return float(last.split()[-1])


def first_and_held_out_loss(source: str, tmp_path: Path, name: str) -> tuple[float, float]:
    lines = run(source, tmp_path, name, SHAKESPEARE)
    assert lines[0].startswith("first loss ") and lines[-1].startswith("held-out loss "), lines
    return float(lines[0].split()[-1]), float(lines[-1].split()[-1])


def test_imports_are_rewritten_and_nothing_else():
    source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.zeros(2)\n"
    assert on_tinytorch(source) == ("import tinytorch as torch\nimport tinytorch.nn as nn\n"
                                    "from tinytorch.utils.data import DataLoader\nx = torch.zeros(2)\n")


@pytest.mark.parametrize("name, floor", [("mlp_digits", 0.95), ("cnn_digits", 0.95)])
def test_script_trains_on_tinytorch_as_on_torch(tmp_path, name, floor):
    source = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8")
    ours = accuracy(on_tinytorch(source), tmp_path, f"{name}_tinytorch.py")
    assert ours >= floor, f"tinytorch reached {ours:.3f} test accuracy"
    try:
        import torch  # noqa: F401  (test oracle only)
    except ImportError:
        pytest.skip(f"torch not installed: tinytorch reached {ours:.3f}; no comparison")
    theirs = accuracy(source, tmp_path, f"{name}_torch.py")
    assert abs(ours - theirs) <= 0.03, f"tinytorch {ours:.3f} vs torch {theirs:.3f}"


def test_char_gpt_trains_on_tinytorch_as_on_torch(tmp_path):
    """The GPT script: the loss falls by more than 1 nat in 40 steps, and the held-out loss is torch's within
    0.2 nats (the two libraries draw different initial weights, and tinytorch's Linear starts with He init)."""
    source = (SCRIPTS / "gpt_chars.py").read_text(encoding="utf-8")
    first, ours = first_and_held_out_loss(on_tinytorch(source), tmp_path, "gpt_chars_tinytorch.py")
    assert ours < first - 1.0, f"tinytorch: loss {first:.3f} at the first step, held-out {ours:.3f} after 40"
    try:
        import torch  # noqa: F401  (test oracle only)
    except ImportError:
        pytest.skip(f"torch not installed: tinytorch reached {ours:.3f}; no comparison")
    _, theirs = first_and_held_out_loss(source, tmp_path, "gpt_chars_torch.py")
    assert abs(ours - theirs) <= 0.2, f"held-out loss: tinytorch {ours:.3f} vs torch {theirs:.3f}"
