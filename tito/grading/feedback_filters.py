"""nbconvert preprocessor used by `tito feedback` (named in nbgrader_config.py)."""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class TrimTracebacks(Preprocessor):
    """Keep only `ErrorName: message` of every error: in a graded test cell a traceback would show hidden test
    code, and in any other cell (a demo that calls an unfinished function) it is noise the student's own run
    already showed them."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
