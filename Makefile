# Set-up and everyday commands. `make run` and `make test` create .venv and
# install what is missing, so both work on a fresh machine.
# Python 3.11 is what the pinned PySide6 and torch wheels are tested with.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := libportaudio2 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 \
	libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core

.PHONY: run test system-packages clean-venv bench

run: $(STAMP) system-packages
	$(BIN)/python main.py

test: $(STAMP) system-packages
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench import --json docs/bench-import.json
	$(BIN)/python -m bench startup --json docs/bench-startup.json

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "Merchant Assistant needs Python 3.11; found $$($(PYTHON) --version)."; \
		echo "Install python3.11, or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)"; \
		exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Installs the Debian libraries Qt and sounddevice load at run time, when any is missing.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Missing Debian packages:$$missing"; \
			echo "Install them with: sudo apt-get install$$missing"; \
			exit 1; \
		fi; \
	fi

clean-venv:
	rm -rf $(VENV)
