# plugin.video.simkl.resume - build, lint, package and test.
#
#   make test    every check: lint, package, kodi-addon-checker (offline), the real-Kodi suite on Kodi
#                19.1, 20.1 and 21.2, the fast tests in .venv and under Kodi 19.1's/21.2's Pythons
#   make zip     build/plugin.video.simkl.resume-<version>.zip (SIMKL_CLIENT_ID=... sets the client id)
#   make lint    ruff check .
#   make repo    build/repo: the addon repository folder (any static web server serves it) and the
#                repository addon repository.simkl.resume (REPO_URL=... says where it is served)
#   make check   kodi-addon-checker on the packaged addon and the repository addon, offline
#   make deps    system packages the real-Kodi tests need (apt-get when root)
#   make kodi-roots      Kodi 19.1 and 21.2 as cached Debian chroots (as root) [tools/kodi_roots.py]
#   make pytest-pythons  the fast tests under the Kodi roots' Pythons 3.9 and 3.13
#   make pytest  every pytest test in one run (pytest-realkodi + pytest-fast: the two halves)
#   make demo    run the addon for real (sandboxed Kodi + Simkl stand-in)      [tools/demo]
#   make bench   measurements                                                  [tools/bench]
#   make assets  redraw resources/icon.png and resources/fanart.jpg
#   make clean   remove build output and caches (distclean: also .venv)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON3 ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.requirements-dev.stamp
ADDON_ID := plugin.video.simkl.resume
VERSION := $(shell sed -n 's/.*<addon [^>]*version="\([^"]*\)".*/\1/p' addon.xml | head -n1)
ZIP     := build/$(ADDON_ID)-$(VERSION).zip
UNPACKED := build/$(ADDON_ID)
REPO_ADDON := build/repository.simkl.resume
BRANCHES ?= matrix nexus omega

# System packages for the real-Kodi tests and `make demo` (Debian names) and the commands they provide.
APT_PACKAGES := kodi xvfb xauth ffmpeg pulseaudio imagemagick debootstrap
APT_COMMANDS := kodi Xvfb xvfb-run xauth ffmpeg pulseaudio import debootstrap
# The Kodi versions besides the host's: Debian chroots built once into KODI_ROOTS_DIR (default
# /var/cache/simkl-resume-kodi-roots, outside any clone); KODI_VERSIONS=20.1 narrows the real-Kodi
# tests (and which roots the fast tests run in) for a quicker run.
comma := ,
ROOT_VERSIONS := $(filter-out 20.1,$(or $(subst $(comma), ,$(KODI_VERSIONS)),19.1 21.2))

.PHONY: help test venv lint zip repo check pytest pytest-realkodi pytest-fast pytest-pythons kodi-roots deps \
	demo bench assets clean distclean

help:
	@sed -n 's/^#   //p' Makefile

# --- virtualenv: created once, reinstalled only when requirements-dev.txt changes ----------
$(STAMP): requirements-dev.txt
	@if [ ! -x "$(PY)" ]; then \
	  echo "==> creating $(VENV)"; \
	  $(PYTHON3) -m venv $(VENV) || { rm -rf $(VENV); \
	    echo "error: '$(PYTHON3) -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv (or run 'make deps' as root)"; \
	    exit 1; }; \
	fi
	@echo "==> installing requirements-dev.txt into $(VENV)"
	@# (the grep drops one machine-specific pip notice about unreachable extra index folders)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 \
	  | { grep -v "is ignored: it is neither a file nor a directory" || true; }; \
	  exit $${PIPESTATUS[0]}
	@touch $@

venv: $(STAMP)

# --- checks ------------------------------------------------------------------------------
lint: $(STAMP)
	@echo "==> ruff check ."
	@$(PY) -m ruff check -q --output-format concise . && echo "    ruff: clean"

# The venv's Python: the build vendors its pinned segno (the sign-in QR code) into the zip.
zip: $(STAMP)
	@echo "==> packaging $(ZIP)"
	@$(PY) -m tools.build_zip --out build --unpacked | sed 's/^/    /'

# The repository folder: versioned zips, addons.xml + addons.xml.md5, script.module.requests.
repo: $(STAMP)
	@echo "==> building the addon repository build/repo"
	@$(PY) -m tools.build_repo --out build/repo | sed 's/^/    /'; exit $${PIPESTATUS[0]}

check: $(STAMP) zip repo
	@echo "==> kodi-addon-checker ($(BRANCHES)), offline"
	@status=0; for addon in $(UNPACKED) $(REPO_ADDON); do \
	  echo "    $$addon:"; \
	  $(PY) -m tools.check_addon $$addon $(addprefix --branch ,$(BRANCHES)) | sed 's/^/      /'; \
	  [ $${PIPESTATUS[0]} = 0 ] || status=1; \
	done; exit $$status

pytest: $(STAMP)
	@echo "==> pytest"
	@$(PY) -m pytest -q

# The same tests in two runs, as `make test` runs them: the real-Kodi suite alone on the machine
# (its timings are real time), then the fast tests.
pytest-realkodi: $(STAMP)
	@echo "==> pytest tests/realkodi (real Kodi $(or $(KODI_VERSIONS),19.1 20.1 21.2))"
	@$(PY) -m pytest -q tests/realkodi

pytest-fast: $(STAMP)
	@echo "==> pytest, all but tests/realkodi"
	@$(PY) -m pytest -q --ignore=tests/realkodi

# The fast tests (all but tests/realkodi) under each Kodi root's own python3 and Debian's
# pytest/hypothesis/requests, so a syntax or stdlib difference fails here, not on a user's Kodi.
# The roots run side by side (mostly real-time waits), each into build/, printed in order.
pytest-pythons: $(STAMP)
	@mkdir -p build; pids=""; for v in $(ROOT_VERSIONS); do \
	  $(PY) -m tools.kodi_roots pytest $$v -q >build/pytest-python-$$v.log 2>&1 </dev/null & pids="$$pids $$!"; \
	done; \
	failed=""; set -- $(ROOT_VERSIONS); for pid in $$pids; do \
	  wait $$pid || failed="$$failed $$1"; \
	  echo "==> pytest under Kodi $$1's Python (fast tests)"; cat build/pytest-python-$$1.log; shift; \
	done; \
	if [ -n "$$failed" ]; then echo "    fast tests FAILED under the Python of Kodi$$failed"; exit 1; fi

# Idempotent: a ready root is left as it is (a few ms); a missing one is built (as root, ~2 min).
kodi-roots:
	@$(if $(ROOT_VERSIONS),$(PYTHON3) -m tools.kodi_roots build $(ROOT_VERSIONS),:)

# Every step runs even when an earlier one fails, so one run shows everything that is wrong.
# The real-Kodi suite runs in the foreground; the fast tests (in .venv, and under the roots'
# Pythons) run beside it at the lowest CPU priority (nice 19): Kodi mostly waits in real time,
# the fast tests take the idle CPU without taking it from a Kodi that needs it. Their output
# follows the real-Kodi suite's, from build/. (Run one after the other: 25.8 min on 2 cores.)
FAST_LOG := build/pytest-fast.log
PYTHONS_LOG := build/pytest-pythons.log
test: deps kodi-roots $(STAMP)
	@failed=""; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	$(MAKE) --no-print-directory check || failed="$$failed addon-checker"; \
	mkdir -p build; \
	nice -n 19 $(MAKE) --no-print-directory pytest-fast >$(FAST_LOG) 2>&1 </dev/null & fast=$$!; \
	nice -n 19 $(MAKE) --no-print-directory pytest-pythons >$(PYTHONS_LOG) 2>&1 </dev/null & pythons=$$!; \
	$(MAKE) --no-print-directory pytest-realkodi || failed="$$failed pytest-realkodi"; \
	wait $$fast || failed="$$failed pytest-fast"; \
	wait $$pythons || failed="$$failed pytest-pythons"; \
	cat $(FAST_LOG) $(PYTHONS_LOG); \
	if [ -n "$$failed" ]; then echo "==> make test FAILED:$$failed"; exit 1; fi; \
	echo "==> make test: all passed"

# --- system packages ---------------------------------------------------------------------
deps:
	@missing=""; for c in $(APT_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	venv_ok=1; $(PYTHON3) -c 'import ensurepip, venv' >/dev/null 2>&1 || venv_ok=0; \
	pkgs="$(APT_PACKAGES)"; [ $$venv_ok = 1 ] || pkgs="$$pkgs python3-venv"; \
	if [ -z "$$missing" ] && [ $$venv_ok = 1 ]; then exit 0; fi; \
	echo "==> missing system tools:$$missing$$( [ $$venv_ok = 1 ] || echo ' python3-venv')"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$pkgs >/dev/null \
	    && echo "    installed: $$pkgs"; \
	else \
	  echo "error: the real-Kodi tests need these Debian packages. Install them with:"; \
	  echo "    sudo apt-get install --no-install-recommends $$pkgs"; \
	  exit 1; \
	fi

# --- hooks for teammates' tools ----------------------------------------------------------
demo: $(STAMP)
	@if [ -e tools/demo.py ] || [ -e tools/demo/__init__.py ] || [ -e tools/demo/__main__.py ]; then \
	  $(PY) -m tools.demo; \
	else \
	  echo "make demo: tools/demo is not built yet"; exit 1; \
	fi

bench: $(STAMP)
	@if [ -e tools/bench.py ] || [ -e tools/bench/__init__.py ] || [ -e tools/bench/__main__.py ]; then \
	  $(PY) -m tools.bench; \
	else \
	  echo "make bench: tools/bench is not built yet"; exit 1; \
	fi

assets: $(STAMP)
	@$(PY) -m tools.make_assets

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
