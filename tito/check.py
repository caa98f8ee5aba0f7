"""`observe(name, value)`: how a graded test cell hands a value to the grader.

While grading, student code and test code share one Python process, so the student's code can change anything
a test relies on (np.allclose, assert helpers, builtins). Verdicts made in that process cannot be trusted. So
hidden tests do not judge: they call `observe` on values the student's code computed from inputs the student
never saw. In the grading sandbox (TITO_OBSERVE=1) each observation leaves the kernel as plain JSON data; the
grader compares it, outside the student's process, with the same observation made by the reference solution
(tito/verdict.py). Anywhere else (a student's notebook, pytest) `observe` does nothing but return the value.

This file is copied alone into every grading sandbox: it imports nothing from tito.
"""
from __future__ import annotations

import json
import os

MIME = "application/vnd.tinytorch.observation"  # payload: a JSON string (NaN allowed), not a JSON object
MAX_ELEMENTS = 100_000  # bigger values are a test-authoring mistake: observe a summary instead


def encode(value, depth: int = 0):
    """Plain-data form of `value`: {"t": kind, "v": ...}. Anything unexpected becomes {"t": "other"}."""
    import numpy as np

    if depth > 20:
        return {"t": "other", "v": "nested too deep"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": float(value)}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, np.ndarray):
        if value.size > MAX_ELEMENTS:
            return {"t": "other", "v": f"array of {value.size} elements"}
        kind = "bool" if value.dtype == np.bool_ else "int" if value.dtype.kind in "iu" else "float" \
            if value.dtype.kind == "f" else None
        if kind is None:
            return {"t": "other", "v": f"array of dtype {value.dtype}"}
        return {"t": "array", "kind": kind, "shape": list(value.shape), "v": value.ravel().tolist()}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__ if type(value) in (tuple, list) else "list",
                "v": [encode(item, depth + 1) for item in value]}
    return {"t": "other", "v": type(value).__name__}


def observe(name: str, value, rtol: float = 1e-5, atol: float = 1e-8):
    """Hand `value` to the grader under `name`; floats compare with `rtol`/`atol` (the reference's, not yours)."""
    if os.environ.get("TITO_OBSERVE") == "1":
        from IPython.display import display

        record = {"name": str(name), "value": encode(value), "rtol": float(rtol), "atol": float(atol)}
        display({MIME: json.dumps(record, allow_nan=True)}, raw=True)
    return value
