"""nbgrader settings for the TinyTorch course. tito loads this file explicitly; so does the nbgrader CLI run here."""
import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
root = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = os.path.join(root, "course")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "course", "gradebook.db")
c.CourseDirectory.course_id = "tinytorch"

# Per-cell limit while autograding; nbgrader has no per-notebook limit. A timed-out cell is interrupted,
# scores 0, and the rest of the notebook still runs.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Only notebooks travel from a submission to the grading folder: an extra file (say a `numpy.py` that fakes
# np.allclose) would otherwise be copied beside the notebook and shadow the real module. nbgrader copies every
# non-notebook file not matching these globs; "*" matches them all.
c.CourseDirectory.ignore = ["*"]

# A student who deletes a locked test cell gets it back at grading time.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback shows scores and each test's own error, never the hidden tests or their tracebacks.
c.ClearHiddenTests.enforce_metadata = False
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "tito.feedback_filters.TrimGradedTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
