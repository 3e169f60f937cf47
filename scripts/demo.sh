#!/usr/bin/env bash
# Install jejo and start the demo factory with its web dashboard on embedded defaults
# (SQLite in ./data, in-process bus). Prints the URL and the login.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export JEJO_DATA_DIR="${JEJO_DATA_DIR:-$PWD/data}"
exec uv run --frozen --no-sync jejo demo "$@"
