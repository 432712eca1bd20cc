# Two commands do all the set-up on a fresh Debian machine (Python 3.10+ and make):
#   make demo   create .venv, install, run the main demo
#   make test   create .venv, install with the test extras, lint, type-check, run the suite
#   make docs   the documentation site in site/ (open site/index.html in a browser, no server)
# Other targets: lint, bench, images, screenshots, clean. EXTRAS picks the optional extras for `make test`:
# the default runs the suite and every notebook (nbmake); CI adds torch and data so that the
# PyTorch cross-checks run too.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EXTRAS ?= test,notebooks

.PHONY: demo test docs docs-python lint bench images screenshots clean graphviz

$(PY):
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else "tinygrad_lite needs Python 3.10 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras, redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[$*]'
	@touch $@

# Graphviz draws the pictures, found in this order: its `dot` program if installed; as root
# with apt-get, the Debian package, installed quietly (one line; apt's output goes to the
# log); otherwise Graphviz's layout from pip, the pygraphviz wheel of the `layout` extra,
# into .venv (no system package, no root, no compiler: --only-binary). Without any of them
# the library draws with its built-in layout, and this says so.
GRAPHVIZ_LOG := $(VENV)/graphviz-install.log
graphviz: | $(PY)
	@if command -v dot >/dev/null 2>&1 || $(PY) -c 'import pygraphviz' >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 \
		&& echo "Installing Graphviz with apt-get (log: $(GRAPHVIZ_LOG)) ..." \
		&& { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; } \
			>$(GRAPHVIZ_LOG) 2>&1; then :; \
	elif echo "Installing Graphviz's layout from pip: pygraphviz into $(VENV) (log: $(GRAPHVIZ_LOG)) ..." \
		&& $(PY) -m pip install --disable-pip-version-check --only-binary=pygraphviz -e '.[layout]' \
			>$(GRAPHVIZ_LOG) 2>&1; then :; \
	else \
		echo "Graphviz could not be installed (see $(GRAPHVIZ_LOG)), so pictures use the built-in layout."; \
		echo "To install it: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS),"; \
		echo "winget install graphviz (Windows; then add it to PATH), conda install -c conda-forge graphviz."; \
	fi

demo: $(VENV)/.installed graphviz
	$(PY) -m tinygrad_lite demo

lint: $(VENV)/.installed-$(EXTRAS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.installed-$(EXTRAS) graphviz lint
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(VENV)/bin/nbstripout --verify notebooks/*.ipynb; fi
	$(PY) -m pytest tests notebooks --nbmake

# The documentation site, built strictly into site/ (any warning fails it: a broken link, a
# missing name, a docstring the generator cannot read; a notebook that raises), then
# checked (tests/test_site.py). Notebooks are executed once and cached in .cache/docs.
DOCS_EXTRAS := test,notebooks,docs
docs-python: | $(PY)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the docs site needs Python 3.11 or newer (mkdocstrings); found " + sys.version.split()[0])'

docs: docs-python $(VENV)/.installed-$(DOCS_EXTRAS) graphviz
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build
	TINYGRAD_LITE_SITE=site $(PY) -m pytest -q tests/test_site.py

bench: $(VENV)/.installed-test,bench
	$(PY) benchmarks/bench_scalar.py
	@if [ -f benchmarks/bench_tensor.py ]; then $(PY) benchmarks/bench_tensor.py; fi
	@if [ -f benchmarks/bench_layout.py ]; then $(PY) benchmarks/bench_layout.py; fi
	$(PY) benchmarks/bench_live.py

images: $(VENV)/.installed-$(EXTRAS) graphviz
	$(PY) docs/make_images.py

# The live view's screenshots in docs/drawing.md, taken in headless Chromium.
screenshots: $(VENV)/.installed-$(EXTRAS) graphviz
	$(PY) docs/make_screenshots.py

clean:
	rm -rf $(VENV) out site .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis
