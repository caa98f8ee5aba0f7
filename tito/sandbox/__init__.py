"""The grading sandbox: start a kernel with limits and isolation (kernel.py), run a notebook in it and hand
back its outputs and observations (runner.py, observations.py).

A leaf package: it imports nothing else from tito (tests/test_sandbox.py checks), so what runs next to student
code is this package and the Python it is given. Kept empty so that `python -m tito.sandbox.kernel` starts fast.
"""
