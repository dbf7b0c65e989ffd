# Two commands matter: `make lab` (open the lab) and `make test` (check everything).
# Each creates .venv with the pinned requirements when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test notebooks reset bench doctor clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: $(STAMP)  ## JupyterLab on notebooks/00_start_here.ipynb
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: $(STAMP)  ## unit tests, the browser test and every notebook under strict nbval
	$(BIN)/python -m pytest -n 2 --dist loadscope

notebooks: $(STAMP)  ## re-execute notebooks and save their sanitized outputs (maintainers)
	$(BIN)/python tools/execute_notebooks.py

reset: $(STAMP)  ## delete every sandbox under workspace/
	$(BIN)/python -m migration_lab reset --all

doctor: $(STAMP)  ## check this machine for the lab
	$(BIN)/python -m migration_lab doctor

bench: $(STAMP)  ## time the notebooks and the suite (prints figures, never fails on them)
	$(BIN)/python tools/benchmark.py

clean:
	rm -rf $(VENV) workspace
