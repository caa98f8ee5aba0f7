"""tito: the TinyTorch course tool (build, export, lint, validate, release, test, grade, feedback, grades)."""
