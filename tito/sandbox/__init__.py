"""The grading sandbox: what a kernel may see and import (mounts.py), start it with limits and isolation
(kernel.py), run a notebook in it and hand back its outputs and observations (runner.py, observations.py).

A leaf package: it imports nothing else from tito (tests/test_tito_layers.py checks). kernel.py runs as a script
with the standard library only, before the kernel's own root exists.
"""
