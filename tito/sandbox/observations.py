"""Decoding the observations a graded cell hands out (tito/check.py displays them under MIME as JSON).

tito/check.py is copied alone into every kernel, so it keeps its own copy of MIME; tests/test_sandbox.py checks
that the two agree.
"""
from __future__ import annotations

import json

MIME = "application/vnd.tinytorch.observation"


def read_observation(output) -> dict | None:
    """The observation carried by a display_data output, or None if it is not one (or is malformed)."""
    if output.get("output_type") != "display_data" or MIME not in output.get("data", {}):
        return None
    try:
        record = json.loads(output["data"][MIME])
        return record if isinstance(record, dict) and isinstance(record.get("name"), str) else {"name": "?"}
    except (TypeError, ValueError):
        return {"name": "?"}
