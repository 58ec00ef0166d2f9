# Two entry points for people (see README): `make demo` and `make test`. Both install what is missing first
# and are cheap to re-run: apt runs only when a package is missing, pip only when pyproject.toml changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd poppler-utils python3-venv
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
STAMP := $(VENV)/.installed

.PHONY: setup apt demo test golden samples review-screenshot clean

setup: apt $(STAMP)

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/chitieu run samples --out out/samples; rc=$$?; \
	echo; echo "Outputs in out/samples/: review.html (open in a browser), records.xlsx and records.csv (Excel), records.json, documents.json, report.json, chitieu.sqlite (chitieu search WORDS --db out/samples/chitieu.sqlite)"; \
	exit $$rc

test: setup
	$(BIN)/python -m pytest

# Rewrite tests/golden/ from the current code; review `git diff tests/golden` before committing.
golden: setup
	$(BIN)/python tests/make_golden.py

samples: setup
	$(BIN)/python samples/make_samples.py
	$(BIN)/python samples/make_scans.py
	$(BIN)/python tests/data/make_bad_inputs.py

review-screenshot: demo
	$(BIN)/python tools/review_screenshot.py out/samples/review.html docs/review.png

clean:
	rm -rf $(VENV) out .pytest_cache
