# Two commands matter: `make lab` (open the lab) and `make test` (check everything).
# Each creates .venv with the pinned requirements when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# JupyterLab refuses to start as root unless told (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test browser notebooks reset bench doctor clean

$(STAMP): requirements.txt pyproject.toml jupyterlab-settings/overrides.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyterlab-settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

lab: $(STAMP)  ## JupyterLab on notebooks/00_start_here.ipynb
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/00_start_here.ipynb

test: $(STAMP) browser  ## unit tests, the browser test and every notebook under strict nbval
	$(BIN)/python -m pytest -n 2 --dist loadscope

browser:  ## Debian's chromium for the browser test: installed when missing if we are root with apt-get
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the JupyterLab browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "NOTE: no /usr/bin/chromium, so the browser test will not run: sudo apt-get install -y chromium"; \
	fi

notebooks: $(STAMP)  ## re-execute notebooks and save their sanitized outputs (maintainers)
	$(BIN)/python -m tools.execute_notebooks

reset: $(STAMP)  ## delete every sandbox under workspace/
	$(BIN)/python -m migration_lab reset --all

doctor: $(STAMP)  ## check this machine for the lab
	$(BIN)/python -m migration_lab doctor

bench: $(STAMP)  ## time the notebooks and the suite (prints figures, never fails on them)
	$(BIN)/python -m tools.benchmark

clean:
	rm -rf $(VENV) workspace
