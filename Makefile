# Two entry points: `make course` (the whole instructor pipeline on the shipped modules) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TITO := $(BIN)/tito
MODULES := $(notdir $(wildcard modules/[0-9][0-9]_*))

.PHONY: course test setup clean

setup: $(VENV)/.installed

# Re-install when pyproject.toml changes; a missing .venv is created first.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "TinyTorch needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1). Run make PYTHON=python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[grading,test]'
	touch $@

course: setup
	$(TITO) export
	$(TITO) lint
	$(TITO) validate
	$(TITO) release
	for m in $(MODULES); do \
	  $(TITO) samples $$m && $(TITO) grade $$m && $(TITO) feedback $$m && $(TITO) report $$m || exit 1; \
	done
	$(TITO) grades --csv course/grades.csv

# One pytest-xdist worker per core, at most 4. Each test file stays on one worker: its module fixtures (a
# graded course takes minutes) are built once. (--dist loadgroup would split files finer, but pytest 9.2 ignores
# the group names xdist 3.8 writes into node ids.)
test: setup
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile

clean:
	rm -rf course dist
