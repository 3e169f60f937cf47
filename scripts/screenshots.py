"""Screenshots of the web pages at tablet (1280×800) and phone (390×844) size, into docs/screenshots/.

    uv run python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Seeds the demo plant into a temporary data folder, serves it with uvicorn on 127.0.0.1 and drives Debian's
chromium through Playwright. Look at the pictures after changing a page.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"tablet": (1280, 800), "phone": (390, 844)}
DRAWING = """<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300"
 font-family="Noto Sans CJK KR, sans-serif" font-size="14">
 <rect x="60" y="60" width="480" height="180" fill="#fff" stroke="#222" stroke-width="2"/>
 <g fill="none" stroke="#222"><circle cx="100" cy="100" r="8"/><circle cx="500" cy="100" r="8"/>
 <circle cx="100" cy="200" r="8"/><circle cx="500" cy="200" r="8"/></g>
 <line x1="60" y1="270" x2="540" y2="270" stroke="#1f5fae"/>
 <text x="270" y="290" fill="#1f5fae">564 mm</text>
 <line x1="30" y1="60" x2="30" y2="240" stroke="#1f5fae"/><text x="4" y="155" fill="#1f5fae">720</text>
 <text x="230" y="40">측판 (Side panel) PB 18T · 결 방향 →</text>
</svg>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(data_dir: Path) -> tuple[Any, str]:
    """The demo plant, with a stop waiting for its reason and a drawing on the first saw operation."""
    from jejo.core.runtime import Runtime
    from jejo.core.settings import Settings
    from jejo.demo.seed import COMPANY, seed_demo
    from jejo.execution import service as ex
    from jejo.execution.tables import MachineState
    from jejo.web.routes.terminal import queue, work_center

    settings = Settings(
        database_url=f"sqlite:///{data_dir / 'jejo.db'}", data_dir=data_dir, secret_key="screens"
    )
    rt = Runtime(settings)
    rt.upgrade()
    with rt.transaction() as s:
        cid = seed_demo(s).company_id
        now = datetime.now(UTC).replace(microsecond=0)
        saw = work_center(s, cid, "WC-SAW")
        today = now.date()
        for i, (item, qty) in enumerate((("BASE-600", 24), ("WALL-800", 16))):  # today's orders at the saw
            wo = ex.create_work_order(
                s,
                cid,
                ex.WorkOrderIn(item=item, quantity=qty, due_date=today + timedelta(days=2 + i)),
                "screenshots",
            )
            ex.command_work_order(s, cid, wo.code, "release", "screenshots", None)
        ops = queue(s, cid, saw.id)
        events: list[dict[str, Any]] = []
        if ops and ops[0]["status"] == "pending":
            events.append(
                {
                    "type": "operation.started",
                    "work_order": ops[0]["work_order"],
                    "occurred_at": (now - timedelta(minutes=40)).isoformat(),
                    "payload": {"seq": ops[0]["seq"], "equipment": "PC-SAW-01"},
                }
            )
        for minutes, good, scrap in ((35, 3, 0), (28, 2, 1), (17, 2, 0), (5, 3, 0)) if ops else ():
            payload: dict[str, Any] = {"seq": ops[0]["seq"], "good": good, "equipment": "PC-SAW-01"}
            if scrap:
                payload.update(good=0, scrap=scrap, reason_code="SC-CHIP")
            events.append(
                {
                    "type": "quantity.reported",
                    "work_order": ops[0]["work_order"],
                    "occurred_at": (now - timedelta(minutes=minutes)).isoformat(),
                    "payload": payload,
                }
            )
        states = (
            ("PC-SAW-01", "running", 38),
            ("EB-01", "running", 52),
            ("CNC-BORE-01", "setup", 9),
            ("ASM-01", "running", 75),
            ("PACK-01", "idle", 20),
            ("MC-02", "down", 12),
        )
        for eq, state, minutes in states:
            current = s.get(MachineState, (cid, eq))
            if current is None or current.state != state:
                events.append(
                    {
                        "type": "machine.state_changed",
                        "occurred_at": (now - timedelta(minutes=minutes)).isoformat(),
                        "payload": {"equipment": eq, "state": state},
                    }
                )
        ex.post_events(s, cid, events, actor="screenshots", source="screenshots")
        item = ops[0]["item"] if ops else "BASE-600"
        seq = ops[0]["seq"] if ops else 10
    docs = data_dir / "documents" / COMPANY / item / str(seq)
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "1-작업표준.txt").write_text(
        "1. 판재 결 방향을 도면과 맞춘다.\n"
        "2. 톱날 상태 확인, 치수 564 × 720 (±0.5 mm).\n"
        "3. 모서리 깨짐은 불량 사유 SC-CHIP.",
        encoding="utf-8",
    )
    (docs / "2-측판 도면.svg").write_text(DRAWING, encoding="utf-8")
    wo = ops[0]["work_order"] if ops else ""
    return rt, wo


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from jejo.api.app import create_app
    from jejo.demo.seed import COMPANY, PASSWORD

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jejo-screens-") as tmp:
        rt, wo = prepare(Path(tmp))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        pages = [
            ("login", None, "/login"),
            ("terminal", "operator", "/terminal/WC-SAW"),
            ("terminal-vi", "operator", "/terminal/WC-SAW?lang=vi"),
            ("terminal-pick", "operator", "/terminal?lang=ko"),
            ("terminal-stop", "operator", "/terminal/WC-MC2"),
            ("board", "supervisor", "/board?line=L-FURN"),
            ("dashboard", "supervisor", "/"),
            ("performance", "manager", "/dashboards?tab=oee"),
            ("performance-losses", "manager", "/dashboards?tab=losses"),
            ("machine", "maintenance", "/maintenance/equipment/PC-SAW-01"),
            ("quality", "quality", "/quality"),
            ("purchasing", "manager", "/purchasing"),
            ("planning", "manager", "/planning"),
            ("ai", "manager", "/ai/models"),
            ("twin", "manager", "/twin"),
            ("work-order", "supervisor", f"/work-orders/{wo}"),
            ("work-order-sheet", "supervisor", f"/work-orders/{wo}/sheet"),
        ]
        written = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
            for size, (width, height) in SIZES.items():
                sessions: dict[str | None, Any] = {}
                for name, user, path in pages:
                    if user not in sessions:
                        ctx = browser.new_context(
                            base_url=base,
                            viewport={"width": width, "height": height},
                            locale="ko-KR",
                            timezone_id="Asia/Seoul",
                            device_scale_factor=1,
                        )
                        if user:
                            pg = ctx.new_page()
                            pg.goto("/login")
                            pg.get_by_label("회사 코드").fill(COMPANY)
                            pg.get_by_label("사용자 ID").fill(user)
                            pg.get_by_label("비밀번호").fill(PASSWORD)
                            pg.get_by_role("button", name="로그인").click()
                            pg.wait_for_load_state("networkidle")
                            pg.close()
                        sessions[user] = ctx
                    page = sessions[user].new_page()
                    page.goto(path)
                    if name == "board":
                        page.wait_for_selector("#board[data-updates]")
                    page.wait_for_timeout(300)
                    target = args.out / f"{name}-{size}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                    page.close()
                for ctx in sessions.values():
                    ctx.close()
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
        rt.engine.dispose()
    for path in written:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
