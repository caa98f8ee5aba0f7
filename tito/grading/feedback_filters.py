"""nbconvert preprocessor used by `tito feedback` (named in nbgrader_config.py)."""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class TrimGradedTracebacks(Preprocessor):
    """In graded test cells keep only `ErrorName: message`: a traceback would show hidden test code."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
