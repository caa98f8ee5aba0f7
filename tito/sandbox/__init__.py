"""The grading sandbox: what a kernel may see and import (mounts.py), start it with limits and isolation
(kernel.py; or forked from a pre-imported zygote: zygote.py, forked_kernel.py), run a notebook in it and hand
back its outputs and observations (runner.py, observations.py).

A leaf package: it imports nothing else from tito (tests/test_tito_layers.py checks). kernel.py and zygote.py run
as scripts with the standard library only (zygote.py then imports the kernel's packages), before a root exists.
"""
