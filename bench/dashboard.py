"""The performance dashboard for one line over one month: time to first render and payload, in a browser.

Seeds the demo plant with a month of history (SQLite in a temporary folder, as ``jejo demo`` runs),
serves it with uvicorn on 127.0.0.1 and drives Debian's chromium through Playwright: for each view it
records the server's answer time for the page, the first contentful paint, the time until every chart is
drawn, and the bytes the page loads (HTML with its JSON, scripts, styles; from the network on the first
load with an empty cache, mostly from the cache on the warm load after it). The baseline in the same run
is the landing page (``/``: tiles and one chart) loaded the same way.

    uv run python bench/dashboard.py [--days 30] [--runs 5] [--chromium /usr/bin/chromium] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn

from jejo.core.net import free_port

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def serve(days: int) -> tuple[str, Any]:
    from jejo.api.app import create_app
    from jejo.core.runtime import Runtime
    from jejo.core.settings import Settings
    from jejo.demo.seed import seed_demo

    rt = Runtime(Settings(data_dir=Path(tempfile.mkdtemp(prefix="jejo-dash-"))))
    rt.upgrade()
    t = time.perf_counter()
    with rt.transaction() as s:
        seed_demo(s, days=days)
    print(f"# seeded {days} days in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def measure(page: Any, url: str, charts: int) -> dict[str, float]:
    received: list[int] = []

    def on_response(r: Any) -> None:
        with contextlib.suppress(Exception):  # a redirect or an aborted request has no body
            received.append(len(r.body()))

    page.on("response", on_response)
    t0 = time.perf_counter()
    page.goto(url)
    if charts:
        page.wait_for_function(
            f"document.querySelectorAll('[data-chart][data-drawn] svg').length >= {charts}", timeout=60_000
        )
    else:
        page.wait_for_load_state("load")
    drawn = (time.perf_counter() - t0) * 1000
    nav = page.evaluate(
        """() => { const n = performance.getEntriesByType('navigation')[0];
                   const p = performance.getEntriesByName('first-contentful-paint')[0];
                   return {ttfb: n.responseStart - n.requestStart, html: n.responseEnd - n.requestStart,
                           fcp: p ? p.startTime : null, html_bytes: n.transferSize || n.encodedBodySize}; }"""
    )
    page.remove_listener("response", on_response)
    return {
        "server_ms": round(nav["ttfb"], 1),
        "html_ms": round(nav["html"], 1),
        "first_paint_ms": round(nav["fcp"], 1) if nav["fcp"] is not None else -1.0,
        "charts_drawn_ms": round(drawn, 1),
        "bytes_loaded": float(sum(received)),
    }


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rows), 1) for k in rows[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from jejo.demo.seed import ADMIN, COMPANY, PASSWORD

    base, server = serve(args.days)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date()
    first = today - timedelta(days=args.days - 1)
    month = f"target=line:L-FURN&from={first.isoformat()}&to={today.isoformat()}"
    pages = {
        "baseline: landing page": ("/", 0),
        "dashboard OEE, one line, month": (f"/dashboards?tab=oee&{month}", 4),
        "dashboard losses, one line, month": (f"/dashboards?tab=losses&{month}", 4),
        "dashboard orders, month": (f"/dashboards?tab=orders&{month}", 1),
    }
    out: dict[str, Any] = {
        "bench": "dashboard",
        "machine": f"{platform.machine()}, CPython {platform.python_version()}",
        "days": args.days,
        "runs": args.runs,
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        for name, (path, charts) in pages.items():
            cold, warm = [], []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ko-KR")
                page = context.new_page()
                page.goto(f"{base}/login")
                page.fill("input[name=company]", COMPANY)
                page.fill("input[name=username]", ADMIN)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("load")
                cdp = context.new_cdp_session(page)
                cdp.send("Network.clearBrowserCache")
                cold.append(measure(page, base + path, charts))
                warm.append(measure(page, base + path, charts))
                context.close()
            out[name] = {"cold": summarise(cold), "warm": summarise(warm)}
            print(json.dumps({name: out[name]}, ensure_ascii=False), flush=True)
        browser.close()
    base_cold = out["baseline: landing page"]["cold"]
    for name in pages:
        if name.startswith("dashboard"):
            c = out[name]["cold"]
            out[name]["vs_baseline"] = {
                "charts_drawn": round(c["charts_drawn_ms"] / max(base_cold["charts_drawn_ms"], 1e-9), 2),
                "bytes": round(c["bytes_loaded"] / max(base_cold["bytes_loaded"], 1), 2),
            }
    server.should_exit = True
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
