"""Plain-text tables for the terminal."""
from __future__ import annotations


def render(headers: list[str], rows: list[list], max_width: int = 70) -> str:
    cells = [[str(h) for h in headers]] + [[_clip(str(v), max_width) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def points(value: float) -> str:
    return f"{value:g}"
