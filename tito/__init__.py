"""tito: the TinyTorch course tool (build, export, lint, validate, release, test, grade, feedback, grades)."""
import sys

# jsonschema (under nbformat) imports rfc3987_syntax where it is installed (nbgrader's Jupyter server pulls it
# in) to check "iri" formats, and that module compiles a grammar at import: 2.2 s at the start of every tito
# command and grading worker. Nothing tito does checks IRIs; without it, jsonschema skips that one format.
sys.modules.setdefault("rfc3987_syntax", None)
