"""nbgrader settings for the TinyTorch course. tito loads this file explicitly; so does the nbgrader CLI run here."""
import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
root = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = os.path.join(root, "course")
# The gradebook: an SQLite file, unless TINYTORCH_DB_URL names another database, e.g. a PostgreSQL server that
# several graders share (README, "A shared gradebook"): postgresql+psycopg://grader:PASSWORD@dbhost/tinytorch
c.CourseDirectory.db_url = os.environ.get("TINYTORCH_DB_URL") or "sqlite:///" + os.path.join(root, "course", "gradebook.db")
c.CourseDirectory.course_id = "tinytorch"

# Submissions run in tito's grading sandbox instead of nbgrader's Execute step (see tito/grading/execute_step.py and
# the README's "Autograder" section): own scratch folder, limits, and when grading as root an unprivileged user,
# no network and a root file system holding only what the kernel needs. Verdicts compare what the hidden
# tests observe with the reference solution, outside the student's process.
c.Autograde.autograde_preprocessors = [
    "tito.grading.execute_step.SandboxExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxExecute.cell_seconds = 30  # a timed-out cell is interrupted and scores 0; later cells still run
c.SandboxExecute.notebook_seconds = 600  # what has not run by then scores 0
c.SandboxExecute.memory_mb = 4096  # address space per process
c.SandboxExecute.cpu_seconds = 600
c.SandboxExecute.processes = 64
c.SandboxExecute.file_mb = 64  # largest file, and the size of the scratch folder
c.SandboxExecute.output_mb = 8  # output kept from the whole notebook
# What exists inside the kernel is an allow-list (tito/sandbox/mounts.py): the Python installation, the system
# libraries, datasets/, its scratch folder and the packages below; no other file of this machine (so not
# /run/postgresql either: a network namespace does not cut the unix sockets of a local PostgreSQL gradebook).
# Packages any module may import besides IPython, NumPy and matplotlib (each with what it requires), then per
# module:
c.SandboxExecute.packages = []
c.SandboxExecute.module_packages = {}  # e.g. {"07_data": ["scipy"]}
c.SandboxExecute.allow_paths = []  # host paths the kernel may read, besides datasets/

# Only the notebook of a submission is graded: tito grade stages a repaired copy, alone, in course/sanitized/
# (tito/grading/sanitize.py), so an extra file such as a fake `numpy.py` never reaches the grading folder.

# A student who deletes a locked test cell gets it back at grading time.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback shows scores and each test's own error, never the hidden tests or their tracebacks.
c.ClearHiddenTests.enforce_metadata = False
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "tito.grading.feedback_filters.TrimTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
