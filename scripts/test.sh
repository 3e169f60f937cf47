#!/usr/bin/env bash
# Install jejo with its test tools and run the tests.
#   bash scripts/test.sh          # the full run: everything on SQLite, then again on PostgreSQL
#   bash scripts/test.sh --fast   # the fast tier: unit + SQLite, no browser/broker/fault/slow tests
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export UV_PYTHON_DOWNLOADS=never
run() { uv run --frozen pytest "$@"; }

if [ "${1:-}" = "--fast" ]; then
  shift
  run -n 2 -m "not slow and not browser and not broker and not fault and not postgres" "$@"
  exit
fi

echo "== full run on SQLite ==" >&2
run -n 2 "$@"
pg_url="${JEJO_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
echo "== again on PostgreSQL ($pg_url) ==" >&2
JEJO_TEST_DATABASE_URL="$pg_url" run -n 2 -m "not slow and not browser" "$@"
