"""`jejo demo`: the demo factory with its web dashboard, on embedded defaults (SQLite, in-process bus)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import threading

import typer

from jejo.cli_support import cli_errors

log = logging.getLogger(__name__)


def demo_command(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    speed: float = typer.Option(60.0, "--speed", help="Simulation speed-up (60 = one hour per minute)"),
    seed: int = typer.Option(42, "--seed", help="Random seed of the demo plant and its history"),
    factory: bool = typer.Option(True, "--factory/--no-factory", help="Run the simulated machines"),
    seed_only: bool = typer.Option(False, "--seed-only", help="Create the demo data and exit"),
) -> None:
    """Seed the demo plant (once), start its simulated machines and serve the web UI."""
    import uvicorn

    from jejo.api.app import create_app
    from jejo.core.runtime import Runtime
    from jejo.demo.seed import ADMIN, COMPANY, PASSWORD, seed_demo

    with cli_errors():
        rt = Runtime()
        rt.upgrade()
        with rt.transaction() as session:
            result = seed_demo(session, seed=seed)
        what = (
            f"created the demo plant: {result.work_orders} work orders, {result.events} events"
            if result.created
            else "demo plant already present"
        )
        sys.stderr.write(f"{what}\n")
        if seed_only:
            return
        stop = threading.Event()
        if factory:
            _start_factory(rt, speed, seed, stop)
            importlib.import_module("jejo.ai.schedule").start_demo(rt, COMPANY, stop)
        url = f"http://{host}:{port}/"
        sys.stdout.write(
            f"\n  jejo demo is running: {url}\n"
            f"  login: company {COMPANY} · user {ADMIN} · password {PASSWORD}\n"
            f"  (also operator / supervisor / manager / quality / maintenance, same password)\n"
            f"  API docs: {url}api/docs · stop with Ctrl+C\n\n"
        )
        sys.stdout.flush()
        try:
            uvicorn.run(create_app(rt), host=host, port=port, log_level="warning")
        finally:
            stop.set()


def _start_factory(rt: object, speed: float, seed: int, stop: threading.Event) -> None:
    """Run the simulated machines, collector and ingest in a background event loop, if installed."""
    try:
        factory = importlib.import_module("jejo.demo.factory")
    except ModuleNotFoundError as exc:
        if exc.name != "jejo.demo.factory":
            raise
        sys.stderr.write(
            "the machine simulator is not available in this build; serving recorded history only\n"
        )
        return

    # the demo's endpoints run on loopback without certificates; asyncua says so at every start
    logging.getLogger("asyncua").setLevel(logging.ERROR)

    def run() -> None:
        async def main() -> None:
            stop_async = asyncio.Event()

            async def watch() -> None:
                while not stop.is_set():
                    await asyncio.sleep(0.5)
                stop_async.set()

            watcher = asyncio.create_task(watch())
            try:
                await factory.run_demo_factory(rt, speed=speed, seed=seed, stop=stop_async)
            finally:
                watcher.cancel()

        try:
            asyncio.run(main())
        except Exception:  # the web UI keeps running; the error is in the log
            log.exception("demo factory stopped with an error")

    threading.Thread(target=run, name="demo-factory", daemon=True).start()
