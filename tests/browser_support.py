"""What the browser tests share: the application served by uvicorn on 127.0.0.1 (in a thread, over the
test database), Debian's chromium driven by Playwright against it, a page whose JavaScript errors fail
the test, and the login form.

The fixtures ``server`` and ``page`` (one of each per test module) are used by importing them into the
test module; a module that needs another window size or time limit builds its page with
:func:`browser_page` (or :func:`browser_context` and :func:`watched_page`). Without Playwright or
chromium the tests that use them are skipped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from tests.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` over HTTP on a free local port while the block runs; yields the base URL."""
    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def browser_context(
    base_url: str,
    *,
    width: int = 1280,
    height: int = 800,
    timeout_ms: int = 10_000,
) -> Iterator[Any]:
    """A headless chromium context on ``base_url``, in Korean and Seoul time; skips the test where
    Playwright or chromium is missing. The default window is a 10-inch shop-floor tablet in landscape."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": height},
            locale="ko-KR",
            timezone_id="Asia/Seoul",
        )
        context.set_default_timeout(timeout_ms)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@contextmanager
def watched_page(context: Any) -> Iterator[Any]:
    """A new page of ``context``; a JavaScript error on it fails the test when the block ends."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    assert not errors, f"JavaScript errors on the pages: {errors}"


@contextmanager
def browser_page(base_url: str, **options: Any) -> Iterator[Any]:
    """A :func:`watched_page` in its own :func:`browser_context` (``options`` go to the latter)."""
    with browser_context(base_url, **options) as context, watched_page(context) as pg:
        yield pg


def log_in(page: Any, company: str, username: str, password: str) -> None:
    """Fill in the login form the page shows and send it."""
    page.get_by_label("회사 코드").fill(company)
    page.get_by_label("사용자 ID").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()


@pytest.fixture(scope="module")
def server(app: Any) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (in a thread) over the test database."""
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    """A chromium page on :func:`server` at the default window size."""
    with browser_page(server) as pg:
        yield pg
