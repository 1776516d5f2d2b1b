#!/usr/bin/env bash
# Everything a fresh Debian machine needs before `speaker-app` runs: Debian
# packages, the project venv with the project installed, the Rasa venv and a
# trained dialogue model. Slow results are cached under $ANBU_CACHE
# (default ~/.cache/anbu), so a second run takes seconds.
# Prints the project venv's path as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[anbu] $*" >&2; }

CACHE="${ANBU_CACHE:-$HOME/.cache/anbu}"
mkdir -p "$CACHE"

# --- Debian packages --------------------------------------------------------
# postgresql and chromium: the care hub's tests run a real PostgreSQL server and a real browser.
PACKAGES=(espeak-ng libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins sox postgresql chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq || { say "apt-get update failed: check the network to Debian's mirrors"; exit 1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2 \
    || { say "could not install ${missing[*]}; install them by hand and run this again"; exit 1; }
fi

# --- the project venv (Python 3.11+) ------------------------------------------
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PYTHON=$(command -v "$candidate"); break
  fi
done
[ -n "$PYTHON" ] || { say "the speaker needs Python 3.11 or newer, and none is on PATH; install python3.11"; exit 1; }

# Keyed by what it installs and by this clone's path (the project is installed editable).
KEY=$( (cat setup.cfg pyproject.toml; "$PYTHON" --version; pwd) | sha256sum | cut -c1-12)
VENV="$CACHE/venv-$KEY"
if [ ! -e "$VENV/.anbu-ready" ]; then
  say "making the project venv at $VENV with $PYTHON"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip >&2
  "$VENV/bin/python" -m pip install --progress-bar off -e '.[test]' >&2 \
    || { say "pip could not install the project; check the network to PyPI and run this again"; exit 1; }
  touch "$VENV/.anbu-ready"
fi
ln -sfn "$VENV" .venv

# --- the dialogue: Rasa venv (Python 3.10) and a trained model -------------------
"$VENV/bin/speaker-app" setup --config config/example.yaml >/dev/null
echo "$VENV"
