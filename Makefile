# Two commands matter: `make lab` (open the lab) and `make test` (check everything).
# Each creates .venv with the pinned requirements when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# JupyterLab refuses to start as root unless told (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test browser notebooks reset bench doctor clean hub hub-env hub-prerequisites link load plan

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

test: $(STAMP) browser hub-prerequisites  ## unit tests, the browser test and every notebook under strict nbval
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

# --- A workshop room on one server (workshop/, README "For trainers") ------------------------------
PORT ?= 8000
HUB ?= http://localhost:$(PORT)
PROXY := workshop/node_modules/.installed

$(PROXY): workshop/package.json workshop/package-lock.json
	npm ci --prefix workshop --no-audit --no-fund --loglevel=error
	touch $(PROXY)

hub-env: $(STAMP)  ## the learners' environment in /opt, readable by every learner (root)
	$(BIN)/python -m workshop.environment

hub: $(STAMP) $(PROXY) hub-env  ## JupyterHub for a room on this server (root): make hub PORT=8000 HUB_ARGS="--admin NAME"
	$(BIN)/python -m workshop.hub --port $(PORT) $(HUB_ARGS)

link: $(STAMP)  ## the learners' nbgitpuller link: make link REPO=https://github.com/OWNER/REPO HUB=https://HOST
	$(BIN)/python -m workshop.link "$(REPO)" --hub "$(HUB)" $(if $(BRANCH),--branch "$(BRANCH)")

load: $(STAMP) $(PROXY) hub-env  ## load test: learners at once on a local hub (prints figures, never fails on them)
	$(BIN)/python -m tools.load_test $(LOAD_ARGS)

plan: $(STAMP)  ## the workshop plan's minutes, from reading time and measured run time
	$(BIN)/python -m tools.workshop_plan $(PLAN_ARGS)

hub-prerequisites:  ## what the hub test needs: the proxy from npm and the learners' environment (root only)
	@if [ "$$(id -u)" = 0 ] && command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory $(PROXY) hub-env; \
	else \
		echo "NOTE: the hub test needs root and npm (it creates system users), so it will not run here"; \
	fi
