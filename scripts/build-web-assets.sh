#!/usr/bin/env bash
# Vendor the web pages' front-end packages (htmx, ECharts) from npm into src/jejo/web/static/vendor/.
# Versions are pinned in web/package.json and locked in web/package-lock.json; pages load only these
# local copies, never a CDN. The vendor folder is git-ignored: run this after a checkout or an upgrade.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
vendor="$root/src/jejo/web/static/vendor"

command -v npm >/dev/null || { echo "npm is needed (e.g. apt-get install npm)" >&2; exit 1; }

(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

rm -rf "$vendor"
mkdir -p "$vendor"
copy() {  # copy <package-relative path> <name in vendor/>
  install -m 0644 "$web/node_modules/$1" "$vendor/$2"
}
copy htmx.org/dist/htmx.min.js htmx.min.js
copy echarts/dist/echarts.min.js echarts.min.js
copy htmx.org/LICENSE LICENSE.htmx
copy echarts/LICENSE LICENSE.echarts
copy @zxing/browser/umd/zxing-browser.min.js zxing-browser.min.js  # camera barcode scanning (bundles @zxing/library)
copy @zxing/browser/LICENSE LICENSE.zxing
copy axe-core/axe.min.js axe.min.js  # accessibility checks in the browser tests
copy axe-core/LICENSE LICENSE.axe-core

node -e 'const l=require(process.argv[1]);const p=l.packages;
  console.log(JSON.stringify({htmx: p["node_modules/htmx.org"].version, echarts: p["node_modules/echarts"].version,
    "zxing-browser": p["node_modules/@zxing/browser"].version, "axe-core": p["node_modules/axe-core"].version}))' \
  "$web/package-lock.json" > "$vendor/versions.json"
echo "vendored into src/jejo/web/static/vendor: $(cat "$vendor/versions.json")"
