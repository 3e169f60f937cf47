"""``jejo telemetry ...``: check a tag map, run the collector, run ingest workers, run the simulator,
apply retention."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import typer

from jejo.cli_support import cli_errors

app = typer.Typer(no_args_is_help=True, help="Machine data: tag maps, collector, ingest, simulator.")


def _run_until_signal(main: object) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await main(stop)  # type: ignore[operator]

    asyncio.run(runner())


@app.command("check")
def check(tag_map: Path = typer.Argument(..., help="Tag map (YAML)")) -> None:
    """Validate a tag map; every problem is listed with its line and key."""
    from jejo.telemetry.model import load_tag_map

    with cli_errors():
        tm = load_tag_map(tag_map)
        sys.stdout.write(
            f"{tag_map}: ok — company {tm.company}, {len(tm.sources)} sources, {len(tm.tags)} tags\n"
        )


@app.command("collect")
def collect(
    tag_map: Path = typer.Option(..., "--tag-map", help="Tag map (YAML)"),
    bus_url: str | None = typer.Option(
        None, "--bus-url", help="memory:// (ingest in this process) or mqtt://..."
    ),
    buffer: Path | None = typer.Option(
        None, "--buffer", help="Disk buffer file (default: in the data folder)"
    ),
    buffer_mb: int = typer.Option(256, "--buffer-mb", help="Size cap of the disk buffer"),
    name: str | None = typer.Option(
        None, "--name", help="This collector's name in its status tags (default: the company code)"
    ),
    max_skew_s: float = typer.Option(
        0.0,
        "--max-skew-s",
        help="Samples stamped more than this many seconds ahead of this clock get this clock's time "
        "(0: off, for a simulator running faster than real time; 60 for real machines)",
    ),
) -> None:
    """Read every source of the tag map and forward the samples to the bus (buffering to disk meanwhile)."""
    from jejo.core.runtime import Runtime
    from jejo.telemetry.bus import MemoryBus, make_bus
    from jejo.telemetry.collector import Collector
    from jejo.telemetry.ingest import IngestWorker
    from jejo.telemetry.model import load_tag_map

    with cli_errors():
        tm = load_tag_map(tag_map)
        rt = Runtime()
        url = bus_url or rt.settings.bus_url
        bus = make_bus(url, client_id=f"jejo-collector-{tm.company}")
        if isinstance(bus, MemoryBus):
            rt.upgrade()
            bus.subscribe(IngestWorker(rt, tm.by_tag(), scrap_reason=tm.scrap_reason).handle)
        path = buffer or rt.settings.ensure_data_dir() / "telemetry" / f"buffer-{tm.company}.db"
        col = Collector(
            tm,
            bus,
            path,
            max_buffer_bytes=buffer_mb * 1024 * 1024,
            name=name or tm.company,
            max_skew_s=max_skew_s or None,
            health_every_s=10.0,
        )

        async def main(stop: asyncio.Event) -> None:
            await col.run(stop)
            await bus.close()

        _run_until_signal(main)
        sys.stdout.write(f"{col.status()}\n")


def ingest_command(
    bus_url: str | None = typer.Option(
        None, "--bus-url", help="mqtt://host:port or nats://host:port (default: JEJO_BUS_URL)"
    ),
    tag_map: list[Path] = typer.Option(
        [], "--tag-map", help="Tag maps, or folders of them (for machine states and counters)"
    ),
    group: str | None = typer.Option(
        None, "--group", help="Shared-subscription group / durable consumer (default: JEJO_INGEST_GROUP)"
    ),
    worker_id: str | None = typer.Option(
        None,
        "--worker-id",
        help="Unique per worker, stable across restarts (its broker session; default: JEJO_INGEST_WORKER_ID "
        "or ingest-<host name>)",
    ),
) -> None:
    """One ingest worker: bus → time-series store and machine events, until SIGTERM.

    MQTT 5: shared subscription ``$share/<group>/jejo/telemetry/#`` with a persistent session; NATS:
    the JetStream durable pull consumer ``<group>``. Start N of them (each with its own worker id) to
    split the load; any number may run against the same database."""
    import socket

    from jejo.core.runtime import Runtime
    from jejo.telemetry.bus import subscribe
    from jejo.telemetry.ingest import IngestWorker
    from jejo.telemetry.model import load_tag_map

    with cli_errors():
        rt = Runtime()
        url = bus_url or rt.settings.bus_url
        if not url.startswith(("mqtt:", "nats:")):
            raise typer.BadParameter(
                "ingest workers need a broker (--bus-url mqtt://127.0.0.1:1883 or nats://127.0.0.1:4222)"
            )
        tags = {}
        for given in tag_map:
            files = sorted([*given.glob("*.yaml"), *given.glob("*.yml")]) if given.is_dir() else [given]
            for p in files:
                tags.update(load_tag_map(p).by_tag())
        worker = IngestWorker(rt, tags)
        wid = worker_id or rt.settings.ingest_worker_id or f"ingest-{socket.gethostname()}"

        async def main(stop: asyncio.Event) -> None:
            await subscribe(
                url, worker.handle, group=group or rt.settings.ingest_group, worker_id=wid, stop=stop
            )
            if worker.rollup_every_s >= 0:
                await asyncio.to_thread(worker.refresh_rollups)

        _run_until_signal(main)
        sys.stdout.write(f"{worker.stats}\n")


app.command("ingest")(ingest_command)


@app.command("sim")
def sim(
    config: Path = typer.Argument(
        ..., help="Simulator configuration (YAML), e.g. src/jejo/demo/factory.yaml"
    ),
    speed: float | None = typer.Option(None, "--speed", help="1 = real time, 60 = an hour a minute"),
    seed: int | None = typer.Option(None, "--seed"),
    write_tag_map: Path | None = typer.Option(
        None, "--write-tag-map", help="Write the collector's tag map here"
    ),
) -> None:
    """Run the simulated machines on their protocol endpoints until Ctrl+C."""
    import yaml

    from jejo.sim.config import load_sim_config
    from jejo.sim.runner import FactorySim

    with cli_errors():
        cfg = load_sim_config(config)
        cfg = cfg.model_copy(update={k: v for k, v in (("speed", speed), ("seed", seed)) if v is not None})

        async def main(stop: asyncio.Event) -> None:
            fs = FactorySim(cfg)
            await fs.start()
            tm = fs.tag_map()
            for s in tm["sources"]:
                sys.stdout.write(
                    f"  {s['name']}: {s.get('endpoint') or s.get('url') or f'{s["host"]}:{s["port"]}'}\n"
                )
            if write_tag_map:
                write_tag_map.write_text(yaml.safe_dump(tm, allow_unicode=True, sort_keys=False))
            sys.stdout.flush()
            try:
                await fs.run(stop)
            finally:
                await fs.stop()

        _run_until_signal(main)


@app.command("retention")
def retention(
    raw_days: int = typer.Option(30, "--raw-days"),
    rollup_1m_days: int = typer.Option(180, "--rollup-1m-days"),
    rollup_1h_days: int = typer.Option(3650, "--rollup-1h-days"),
) -> None:
    """Delete samples and rollups older than the retention settings (PostgreSQL: drops day partitions)."""
    from jejo.core.runtime import Runtime
    from jejo.telemetry.store import Retention, apply_retention

    with cli_errors():
        rt = Runtime()
        with rt.transaction() as s:
            out = apply_retention(s.connection(), Retention(raw_days, rollup_1m_days, rollup_1h_days))
        sys.stdout.write(f"{out}\n")
