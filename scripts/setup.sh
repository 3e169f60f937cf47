#!/usr/bin/env bash
# Install everything jejo needs on a fresh Debian machine with CPython 3.12 (pyenv or system):
# Debian packages (fonts, Pango for PDFs, chromium for browser tests), uv, the locked Python
# dependencies, and the front-end assets from npm. Safe to run again; it skips what is there.
#   bash scripts/setup.sh          # to run jejo
#   bash scripts/setup.sh --dev    # also test tools and the browser
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
pkgs=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b)
[ "$dev" = 1 ] && pkgs+=(chromium poppler-utils mosquitto libreoffice-writer-nogui libreoffice-calc-nogui)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "please install these Debian packages: ${missing[*]}"
  fi
fi

# --- Python ----------------------------------------------------------------------------------
export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  say "installing uv"
  python3 -m pip install -q --disable-pip-version-check "uv==0.13.9"
fi
say "installing Python dependencies (locked)"
if [ "$dev" = 1 ]; then uv sync --frozen -q; else uv sync --frozen --no-dev --inexact -q; fi
say "compiling the search kernels (scheduling, panel cutting, glass cutting)"
uv run --frozen --no-sync python -c "from jejo.planning.tabu import warm_up; warm_up()"
uv run --frozen --no-sync python -c "from jejo.furniture.cutting.roadef_tree import warm_up; warm_up()"
uv run --frozen --no-sync python -c "from jejo.furniture.cutting.fixed_bins import warm_up; warm_up()"

# --- front-end assets ------------------------------------------------------------------------
if [ -f scripts/build-web-assets.sh ]; then
  say "building web assets from npm"
  bash scripts/build-web-assets.sh
fi
