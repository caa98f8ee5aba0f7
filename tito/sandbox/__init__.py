"""The grading sandbox: what a shell may see and import (mounts.py), isolate it with limits (kernel.py; forked
from a pre-imported zygote: zygote.py, zygote_client.py), run a notebook's cells in it (shell.py inside,
session.py and runner.py outside) and hand back its outputs and observations (observations.py).

A leaf package: it imports nothing else from tito (tests/test_tito_layers.py checks). kernel.py and zygote.py run
as scripts with the standard library only (zygote.py then imports the shell's packages), before a root exists.
"""
