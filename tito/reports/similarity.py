"""`tito similarity MODULE`: pairs of submissions whose solution code is near-identical.

1. Each readable submission's SOLUTION cells (nbgrader `solution: true`) are tokenized and normalized:
   comments, docstrings, layout and trailing commas go; every name becomes `V` except keywords, builtins and
   attribute names (`np.sum` -> `V.sum`); numbers become `0`, strings `""`. Renaming variables, reformatting
   and rewriting comments then change nothing.
2. Fingerprints by winnowing, cell by cell: hash every run of K tokens, keep the smallest hash of each WINDOW
   consecutive ones. Two cells sharing a run of K + WINDOW - 1 normalized tokens share a fingerprint (about
   two lines). Written here rather than taken from copydetect, which reads files, not notebook cells, and
   would be one more dependency for some forty lines.
3. Not the student's work, so removed: every fingerprint of a K-token run that occurs anywhere in the release
   notebook (stubs, signatures, docstrings, given code, tests), and every fingerprint found in more than half
   of the submissions (when that is at least three: a lone pair is what we look for), the obvious lines
   everyone writes. An untouched release is left with no fingerprint and scores 0 against everyone.
4. A pair's similarity is the Jaccard index of their fingerprint sets (shared / either), 0 when one is empty.
   A whole copy scores about 1; one that copies two tasks of three and writes the third scores about 0.65 (trent
   in tests/test_similarity.py): lower --threshold, or read the CSV and the heat map, for partial copies.

Writes course/reports/<module>/similarity.csv (every pair) and similarity.png (a heat map).
"""
from __future__ import annotations

import builtins
import csv
import hashlib
import io
import keyword
import tokenize
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from ..errors import TitoError
from ..grading.grade import _read_submission, submissions
from ..grading.records import reports_dir
from ..notebooks import read_notebook, solution_cells
from ..progress_bar import ProgressBar
from ..table import render
from ..workspace import Module, Workspace

K = 12  # tokens per hashed run: a short statement with its context
WINDOW = 8  # winnowing window: every shared run of K + WINDOW - 1 = 19 tokens is found
COMMON_SHARE = 0.5  # fingerprints in more than this share of the submissions are the obvious solution

LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
STATEMENT_START = {None, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
KEPT_NAMES = set(keyword.kwlist) | set(dir(builtins))
CLOSING = {")", "]", "}"}


def _raw_tokens(code: str) -> list[tokenize.TokenInfo]:
    """The tokens of `code`, comments and blank lines dropped; a cell that stops tokenizing keeps its start."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type not in (tokenize.COMMENT, tokenize.NL):
                found.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def normalized_tokens(code: str) -> list[str]:
    """`code` as a token stream that renaming and reformatting do not change (see the module docstring)."""
    raw = _raw_tokens(code)
    out = []
    for i, token in enumerate(raw):
        before = raw[i - 1] if i else None
        after = raw[i + 1] if i + 1 < len(raw) else None
        if token.type in LAYOUT or token.string == ";":
            continue
        if token.type == tokenize.STRING and (before.type if before else None) in STATEMENT_START \
                and (after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER)):
            continue  # a docstring, or a string used as a comment
        if token.string == "," and after is not None and after.string in CLOSING:
            continue  # trailing comma, added or removed by formatters
        if token.type == tokenize.NAME:
            attribute = before is not None and before.string == "."
            out.append(token.string if attribute or token.string in KEPT_NAMES else "V")
        elif token.type == tokenize.NUMBER:
            out.append("0")
        elif token.type == tokenize.STRING:
            out.append('""')
        else:
            out.append(token.string)
    return out


def kgram_hashes(tokens: list[str], k: int = K) -> list[int]:
    """A stable 64-bit hash of every run of k consecutive tokens (the same in every process)."""
    return [int.from_bytes(hashlib.blake2b(" ".join(tokens[i:i + k]).encode(), digest_size=8).digest(), "big")
            for i in range(len(tokens) - k + 1)]


def winnow(hashes: list[int], window: int = WINDOW) -> set[int]:
    """The smallest hash of every `window` consecutive hashes (all of them when there are fewer)."""
    if len(hashes) <= window:
        return set(hashes)
    return {min(hashes[i:i + window]) for i in range(len(hashes) - window + 1)}


def cell_runs(cells) -> list[list[int]]:
    """The K-token run hashes of each cell, cell by cell: no run spans two cells, so leaving out the cells
    between two solution cells of the release creates no run the release lacks."""
    return [kgram_hashes(normalized_tokens(cell.source)) for cell in cells]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Pair:
    a: str
    b: str
    score: float
    shared: int


@dataclass
class Similarity:
    students: list[str]  # readable submissions, in name order
    prints: dict[str, set[int]]  # each student's fingerprints after removing release and common ones
    untouched: list[str]  # students with no fingerprint beyond the release: nothing of their own
    pairs: list[Pair]  # every pair, most similar first
    skipped: dict[str, str]  # student -> why the submission was not compared
    common: int  # fingerprints removed as common to most submissions


def own_fingerprints(runs: list[list[int]], release: set[int]) -> set[int]:
    """A submission's fingerprints (winnowed cell by cell) that are no run of the release notebook."""
    return {h for cell in runs for h in winnow(cell)} - release


def without_common(prints: dict[str, set[int]]) -> tuple[dict[str, set[int]], int]:
    """Fingerprints minus those in more than COMMON_SHARE of the submissions (and in three at least), and how
    many such common fingerprints there were."""
    counts = Counter(h for found in prints.values() for h in found)
    common = {h for h, n in counts.items() if n > COMMON_SHARE * len(prints) and n >= 3}
    return {s: found - common for s, found in prints.items()}, len(common)


def compare(ws: Workspace, module: Module) -> Similarity:
    release_path = ws.release_notebook(module)
    if not release_path.is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    release = read_notebook(release_path)
    given = {h for cell in cell_runs(c for c in release.cells if c.cell_type == "code") for h in cell}
    own, skipped = {}, {}
    submitted = submissions(ws, module, None)
    with ProgressBar(len(submitted), f"fingerprinting {module.assignment}") as bar:  # on a terminal only
        for student in bar.track(submitted):
            nb, problem = _read_submission(ws, module, student)
            if problem:
                skipped[student] = problem
            else:
                own[student] = own_fingerprints(cell_runs(solution_cells(nb)), given)
    prints, common = without_common(own)
    students = sorted(own)
    pairs = [Pair(a, b, jaccard(prints[a], prints[b]), len(prints[a] & prints[b]))
             for a, b in combinations(students, 2)]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return Similarity(students, prints, [s for s in students if not own[s]], pairs, skipped, common)


def write_csv(result: Similarity, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student_a", "student_b", "similarity", "shared", "fingerprints_a", "fingerprints_b"])
        writer.writerows([p.a, p.b, f"{p.score:.3f}", p.shared, len(result.prints[p.a]), len(result.prints[p.b])]
                         for p in result.pairs)


def heat_map(module: Module, result: Similarity, path: Path) -> None:
    """Students on both axes, the similarity of each pair as colour (Agg canvas: no display needed)."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    index = {s: i for i, s in enumerate(result.students)}
    n = len(index)
    grid = np.full((n, n), np.nan)  # the diagonal stays blank
    for p in result.pairs:
        grid[index[p.a], index[p.b]] = grid[index[p.b], index[p.a]] = p.score
    side = min(4 + 0.3 * n, 24)
    fig = Figure(figsize=(side + 1, side))
    ax = fig.add_subplot()
    image = ax.imshow(grid, vmin=0, vmax=1, cmap=colormaps["Reds"].with_extremes(bad="lightgrey"))
    fig.colorbar(image, ax=ax, label="similarity (Jaccard of fingerprints)")
    if n <= 80:  # beyond that the names would overlap; the CSV has them
        ax.set_xticks(range(n), result.students, rotation=90, fontsize=7)
        ax.set_yticks(range(n), result.students, fontsize=7)
    ax.set_title(f"{module.assignment}: solution code similarity")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig).print_png(str(path))


def summary(module: Module, result: Similarity, threshold: float) -> str:
    flagged = [p for p in result.pairs if p.score >= threshold]
    lines = [f"{module.assignment}: {len(result.students)} submissions compared, {len(result.pairs)} pairs, "
             f"{len(flagged)} at or above {threshold:g}"]
    if flagged:
        lines.append(render(["student", "student", "similarity", "shared fingerprints"],
                            [[p.a, p.b, f"{p.score:.2f}", str(p.shared)] for p in flagged]))
    if result.untouched:
        lines.append(f"no code of their own beyond the release: {', '.join(result.untouched)}")
    if result.common:
        lines.append(f"ignored {result.common} fingerprint(s) found in more than half of the submissions")
    lines += [f"skipped {s}: {why}" for s, why in sorted(result.skipped.items())]
    return "\n".join(lines)


def write_similarity(ws: Workspace, module: Module, threshold: float) -> tuple[str, list[Path]]:
    ws.require_instructor("similarity")
    result = compare(ws, module)
    if not result.students:
        raise TitoError(f"no readable submission of {module.assignment} to compare")
    folder = reports_dir(ws, module)
    written = [folder / "similarity.csv", folder / "similarity.png"]
    write_csv(result, written[0])
    heat_map(module, result, written[1])
    return summary(module, result, threshold), written
