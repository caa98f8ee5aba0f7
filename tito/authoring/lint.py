"""`tito lint`: every rule of the module source contract, reported as `file:line: rule: message`.

R0 syntax        each cell's metadata is valid JSON and each code cell parses
R1 default_exp   one `#| default_exp` cell, alone, without nbgrader metadata
R2 markers       solution cells hold BEGIN/END SOLUTION pairs, no marker elsewhere; hidden tests only in tests
R3 graded test   graded code cells are locked, have points and a unique grade_id, define test_<name>() and call it
                 under `if __name__ == "__main__":`
R4 locked cell   no locked ungraded cell directly before a graded test cell
R5 side effects  exported cells only define things: no tests, no top-level calls or loops
R6 imports       a module imports only from modules with a smaller number, and patches no class from elsewhere
R7 written       a markdown answer cell is solution + grade with points, unlocked, right after the markdown cell
                 with its `**Question` line, and its solution region holds a rubric whose points add up to the
                 cell's and a model answer (tito/grading/rubrics.py)
R8 prose         no emoji, no banner lines
R9 observed      a graded test cell has a hidden part that hands values to the grader with observe() and
                 asserts nothing itself (the grader compares; an assert there would put the expected value in
                 the student's process)
R10 references   the text names only modules the course has and files the student bundle has (no module 18,
                 no `tests/...` to look at)
R11 tasks        every solution cell follows a markdown cell with its `**Task` line; a graded test's grade_id is
                 test-<id> or test-<id>-<aspect> for a solution cell <id> above it, so tests follow their tasks
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from .. import markers
from ..grading.rubrics import RubricError, rubric_of
from ..workspace import Module, Workspace

HEADER = re.compile(r"^# %%(?P<rest>.*)$")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
BANNER = re.compile(r"(={5,}|\*{5,}|#{5,}|~{5,})")
DEFAULT_EXP = re.compile(r"^#\|\s*default_exp\s+(\S+)\s*$", re.M)
EXPORT = re.compile(r"^#\|\s*export\b", re.M)
TEST_CALL = re.compile(r'^if __name__ == ["\']__main__["\']:\s*$', re.M)


@dataclass
class Cell:
    kind: str  # "code" or "markdown"
    line: int  # 1-based line of the `# %%` header
    meta: dict | None  # nbgrader metadata, None when absent
    body: list[str] = field(default_factory=list)  # markdown lines keep their "# " prefix removed

    @property
    def text(self) -> str:
        return "\n".join(self.body)

    def flag(self, key: str) -> bool:
        return bool((self.meta or {}).get(key))


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


def parse(text: str) -> tuple[list[Cell], list[tuple[int, str]]]:
    """Split a percent-format file into cells; also return metadata errors as (line, message)."""
    cells, errors = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        m = HEADER.match(line)
        if m:
            rest = m.group("rest").strip()
            kind = "markdown" if rest.startswith("[markdown]") or rest.startswith("[md]") else "code"
            meta = None
            at = rest.find("nbgrader=")
            if at >= 0:
                try:
                    meta, _ = json.JSONDecoder().raw_decode(rest[at + len("nbgrader="):])
                except json.JSONDecodeError as e:
                    errors.append((n, f"nbgrader metadata is not valid JSON: {e}"))
            cells.append(Cell(kind, n, meta))
        elif cells:
            body = line
            if cells[-1].kind == "markdown":
                body = line[2:] if line.startswith("# ") else line.lstrip("#")
            cells[-1].body.append(body)
    return cells, errors


def package_paths(ws: Workspace) -> dict[str, str]:
    """`core.tensor` -> `01` for every module of the workspace."""
    found = {}
    for module in ws.modules():
        m = DEFAULT_EXP.search(module.path.read_text(encoding="utf-8", errors="replace"))
        if m:
            found[m.group(1)] = module.number
    return found


def lint_text(text: str, shown: str, number: str, packages: dict[str, str]) -> list[Problem]:
    cells, errors = parse(text)
    out = [Problem(shown, n, "R0 syntax", msg) for n, msg in errors]

    def add(cell: Cell, rule: str, message: str, offset: int = 0):
        out.append(Problem(shown, cell.line + offset, rule, message))

    trees = {}
    for cell in cells:
        if cell.kind == "code":
            try:
                trees[id(cell)] = ast.parse(cell.text)
            except SyntaxError as e:
                add(cell, "R0 syntax", f"code does not parse: {e.msg}", e.lineno or 0)
        if cell.meta is not None:
            if cell.meta.get("schema_version") != 3:
                add(cell, "R0 syntax", "nbgrader metadata needs \"schema_version\": 3")
            if (cell.flag("grade") or cell.flag("solution") or cell.flag("locked")) and not cell.meta.get("grade_id"):
                add(cell, "R0 syntax", "nbgrader cell without a grade_id")

    _rule1(cells, add, shown, out)
    _rule2(cells, add)
    _rule3(cells, add, trees)
    _rule4(cells, add)
    _rule5(cells, add, trees)
    _rule6(cells, add, trees, number, packages)
    _rule7(cells, add)
    _rule8(text, shown, out)
    _rule9(cells, add)
    _rule10(text, shown, out, set(packages.values()) | {number})
    _rule11(cells, add)
    return sorted(out, key=lambda p: (p.line, p.rule))


def _rule1(cells, add, shown, out):
    holders = [c for c in cells if c.kind == "code" and DEFAULT_EXP.search(c.text)]
    if not holders:
        out.append(Problem(shown, 1, "R1 default_exp", "no `#| default_exp <package.path>` cell"))
    for extra in holders[1:]:
        add(extra, "R1 default_exp", "a second `#| default_exp` cell")
    for c in holders:
        if c.meta is not None:
            add(c, "R1 default_exp", "the `#| default_exp` cell must carry no nbgrader metadata")
        if [l for l in c.body if l.strip()] != [DEFAULT_EXP.search(c.text).group(0).strip()]:
            add(c, "R1 default_exp", "`#| default_exp` must stand alone in its cell")


def _rule2(cells, add):
    for c in cells:
        stripped = [l.strip() for l in c.body]
        sol = (stripped.count(markers.BEGIN_SOLUTION), stripped.count(markers.END_SOLUTION))
        hid = (stripped.count(markers.BEGIN_HIDDEN), stripped.count(markers.END_HIDDEN))
        if c.flag("solution"):
            if sol[0] == 0:
                add(c, "R2 markers", "solution cell without `### BEGIN SOLUTION` / `### END SOLUTION`")
            elif sol[0] != sol[1] or len(markers.regions(c.text, markers.BEGIN_SOLUTION,
                                                         markers.END_SOLUTION)) != sol[0]:
                add(c, "R2 markers", "unbalanced or nested solution markers")
        elif any(sol):
            add(c, "R2 markers", "solution markers in a cell that is not a solution cell")
        if any(hid):
            if not (c.flag("grade") and c.kind == "code" and not c.flag("solution")):
                add(c, "R2 markers", "hidden-test markers outside a graded test cell")
            elif hid[0] != hid[1] or len(markers.regions(c.text, markers.BEGIN_HIDDEN,
                                                         markers.END_HIDDEN)) != hid[0]:
                add(c, "R2 markers", "unbalanced or nested hidden-test markers")
        for i, line in enumerate(c.body, start=1):
            if any(m in line for m in markers.ALL) and line.strip() not in markers.ALL:
                add(c, "R2 markers", "a marker must stand alone on its line", i)


def _rule3(cells, add, trees):
    seen = {}
    for c in cells:
        gid = (c.meta or {}).get("grade_id")
        if gid:
            if gid in seen:
                add(c, "R3 graded test", f"grade_id {gid!r} already used at line {seen[gid]}")
            else:
                seen[gid] = c.line
        if not (c.kind == "code" and c.flag("grade")):
            continue
        if c.flag("solution"):
            add(c, "R3 graded test", "a graded code cell must be a test, not a solution cell")
            continue
        if not c.flag("locked"):
            add(c, "R3 graded test", "graded test cell is not locked")
        pts = (c.meta or {}).get("points")
        if not isinstance(pts, (int, float)) or pts <= 0:
            add(c, "R3 graded test", "graded test cell needs points > 0")
        tree = trees.get(id(c))
        if tree is None:
            continue
        tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        if len(tests) != 1:
            add(c, "R3 graded test", f"graded test cell must define exactly one test_<name>() (found {len(tests)})")
            continue
        guarded = [n for n in tree.body if isinstance(n, ast.If) and TEST_CALL.match(ast.unparse(n).splitlines()[0])]
        calls = {x.func.id for g in guarded for x in ast.walk(g)
                 if isinstance(x, ast.Call) and isinstance(x.func, ast.Name)}
        if tests[0] not in calls:
            add(c, "R3 graded test", f"{tests[0]}() is not called under `if __name__ == \"__main__\":`")


def _rule4(cells, add):
    for before, c in zip(cells, cells[1:]):
        if c.kind == "code" and c.flag("grade") and before.flag("locked") and not before.flag("grade"):
            add(before, "R4 locked cell", "locked ungraded cell right before a graded test cell "
                                          "(nbgrader cannot restore a deleted test after it)")


ALLOWED_TOP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
               ast.AnnAssign, ast.Pass)


def _rule5(cells, add, trees):
    for c in cells:
        if c.kind != "code" or not EXPORT.search(c.text) or id(c) not in trees:
            continue
        if c.flag("grade"):
            add(c, "R5 side effects", "an exported cell must not be a graded test cell")
        for node in trees[id(c)].body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                add(c, "R5 side effects", f"exported cell defines a test ({node.name})", node.lineno)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring or a bare string
            elif not isinstance(node, ALLOWED_TOP):
                add(c, "R5 side effects", f"exported cell runs code at import time: {ast.unparse(node).splitlines()[0]}",
                    node.lineno)


# Package files tito writes itself rather than a module: the name resolver (tito/package_namespace.py).
PACKAGE_FILES = {"_namespace"}


def _rule6(cells, add, trees, number, packages):
    imported_names = set()
    for c in cells:
        tree = trees.get(id(c))
        if tree is None:
            continue
        for node in ast.walk(tree):
            target = None
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tinytorch.") and not node.level:
                target = node.module
                imported_names |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("tinytorch."):
                        target = a.name
            if target:
                path = target[len("tinytorch."):]
                owner = packages.get(path)
                if path in PACKAGE_FILES:
                    continue
                if owner is None:
                    add(c, "R6 imports", f"imports {target}, which no module exports", node.lineno)
                elif owner >= number:
                    add(c, "R6 imports", f"imports {target} from module {owner}; only modules before {number} "
                                         "may be used", node.lineno)
    for c in cells:
        tree = trees.get(id(c))
        if tree is None:
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in imported_names:
                    add(c, "R6 imports", f"patches {t.value.id}.{t.attr}, a class from an earlier module", node.lineno)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in imported_names:
                add(c, "R6 imports", f"patches {node.args[0].id} with setattr", node.lineno)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and any(
                    "patch" in ast.unparse(d).split("(")[0] for d in node.decorator_list):
                add(c, "R6 imports", f"@patch on {node.name}: define methods in the class itself", node.lineno)


def _rule7(cells, add):
    for i, c in enumerate(cells):
        if c.kind != "markdown" or c.meta is None:
            continue
        if c.flag("solution") and not (c.flag("grade") and (c.meta.get("points") or 0) > 0):
            add(c, "R7 written", "a written-answer cell needs \"grade\": true and points > 0")
        if c.flag("grade") and not c.flag("solution"):
            add(c, "R7 written", "a graded markdown cell must also be a solution cell (the student's answer)")
        if not (c.flag("grade") and c.flag("solution")):
            continue
        if c.flag("locked"):
            add(c, "R7 written", "an answer cell is where the student writes: it cannot be locked")
        before = cells[i - 1] if i else None
        if before is None or before.kind != "markdown" or before.meta is not None or "**Question" not in before.text:
            add(c, "R7 written", "an answer cell follows a plain markdown cell holding its `**Question` line")
        try:
            rubric = rubric_of(c.text)
        except RubricError as e:
            add(c, "R7 written", str(e))
            continue
        if rubric.points != (c.meta.get("points") or 0):
            add(c, "R7 written", f"the rubric gives {rubric.points:g} points, the cell {c.meta.get('points')}")


def _rule8(text, shown, out):
    in_code = False
    for n, line in enumerate(text.splitlines(), start=1):
        m = HEADER.match(line)
        if m:
            in_code = "[markdown]" not in m.group("rest") and "[md]" not in m.group("rest")
            continue
        if EMOJI.search(line):
            out.append(Problem(shown, n, "R8 prose", "emoji; write plain text"))
        if not in_code and BANNER.search(line):
            out.append(Problem(shown, n, "R8 prose", "banner line; a heading is enough"))


def _rule9(cells, add):
    for c in cells:
        if c.kind != "code" or not c.flag("grade"):
            continue
        hidden, inside = [], False
        for i, line in enumerate(c.body, start=1):
            if line.strip() == markers.BEGIN_HIDDEN:
                inside = True
            elif line.strip() == markers.END_HIDDEN:
                inside = False
            elif inside:
                hidden.append((i, line))
        if not any(re.search(r"\bobserve\(", line) for _, line in hidden):
            add(c, "R9 observed", "no hidden part calling observe(...): the grader would have only the "
                "student's process's word for this test")
        for i, line in hidden:
            if re.match(r"\s*assert\b", line):
                add(c, "R9 observed", "assert in a hidden part: observe the value instead", i)


MODULE_REFERENCE = re.compile(r"\bmodules? (\d\d)\b")
# Folders of the instructor repository that the student bundle does not carry (tito/packaging/release.py ships the rest).
UNSHIPPED_PATH = re.compile(r"`((?:tests|benchmarks|course|dist|\.ci)/[^`]*)`")


def _rule10(text, shown, out, known: set[str]):
    for n, line in enumerate(text.splitlines(), start=1):
        for m in MODULE_REFERENCE.finditer(line):
            if m.group(1) not in known:
                out.append(Problem(shown, n, "R10 references", f"names module {m.group(1)}, which the course does "
                                   "not have (yet): the student cannot look there"))
        for m in UNSHIPPED_PATH.finditer(line):
            out.append(Problem(shown, n, "R10 references", f"names {m.group(1)}, which the student bundle does not "
                               "have"))


def _rule11(cells, add):
    tasks, task_line = [], False
    for c in cells:
        if c.kind == "markdown":
            task_line = task_line or "**Task" in c.text
            continue
        gid = (c.meta or {}).get("grade_id", "")
        if c.flag("solution"):
            if not task_line:
                add(c, "R11 tasks", f"solution cell {gid!r} has no `**Task` line in the markdown above it")
            tasks.append(gid)
        elif c.flag("grade") and not any(gid == f"test-{t}" or gid.startswith(f"test-{t}-") for t in tasks):
            add(c, "R11 tasks", f"test {gid!r} is not named after a task above it (test-<task id>[-<aspect>]; "
                "tasks so far: " + (", ".join(tasks) or "none") + ")")
        if c.flag("solution") or c.flag("grade"):
            task_line = False  # given code between a task's text and its stub may belong to the task


def lint(ws: Workspace, modules: list[Module]) -> list[Problem]:
    packages = package_paths(ws)
    problems = []
    for module in modules:
        shown = module.path.relative_to(ws.root).as_posix() if module.path.is_relative_to(ws.root) else str(module.path)
        problems += lint_text(module.path.read_text(encoding="utf-8", errors="replace"), shown, module.number, packages)
    return problems
