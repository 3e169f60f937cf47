"""A small plant for fault tests: a publisher that sends JSON points (8 analog tags and one machine-state
tag) with QoS 1 to a plant broker the way an edge gateway does, the tag map a collector reads them with,
and the accounting that compares what the store holds with what was sent."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.execution.tables import Event
from jejo.telemetry.model import TagMap
from jejo.telemetry.rollup import dt_to_ms
from jejo.telemetry.tables import TsSample, TsTag

EQUIPMENT = "MC-F1"
N_ANALOG = 8
STATES = ["running", "running", "running", "idle", "running", "running", "down", "down", "setup"]
STEP_MS = 100


def make_company(runtime: Runtime) -> tuple[int, str]:
    """A company whose master data knows the machine (so its state events are accepted)."""
    from jejo.masterdata import users

    code = f"FT-{uuid.uuid4().hex[:8]}"
    with runtime.transaction() as s:
        cid = users.create_company(s, code, f"fault {code}").id
    add_machine(runtime, cid)
    return cid, code


def add_machine(runtime: Runtime, cid: int) -> None:
    from jejo.masterdata import service as md

    with runtime.transaction() as s:
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "공장"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "가공동", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "라인", "area": "A"}])
        md.upsert_many(s, cid, "work_centers", [{"code": "W", "name": "가공", "line": "L"}])
        md.upsert_many(s, cid, "equipment", [{"code": EQUIPMENT, "name": "CNC", "work_center": "W"}])


def tag_map(company: str, plant_url: str, *, client_id: str | None = None) -> dict[str, Any]:
    tags: list[dict[str, Any]] = [
        {"tag": f"F.a{i}", "source": "plant", "address": f"a{i}", "unit": "mm"} for i in range(N_ANALOG)
    ]
    tags.append(
        {
            "tag": f"{EQUIPMENT}.state",
            "source": "plant",
            "address": "state",
            "type": "string",
            "role": "state",
            "equipment": EQUIPMENT,
        }
    )
    return {
        "company": company,
        "sources": [
            {
                "name": "plant",
                "kind": "mqtt",
                "url": plant_url,
                "format": "json",
                "topics": [f"plant/{company}/#"],
                "client_id": client_id or f"col-{company}",
            }
        ],
        "tags": tags,
    }


@dataclass
class Sent:
    samples: list[tuple[str, int, Any]] = field(default_factory=list)
    states: list[tuple[int, str]] = field(default_factory=list)

    def transitions(self) -> list[tuple[int, str]]:
        """The machine-state changes the sent readings contain (what must become events, once each)."""
        out: list[tuple[int, str]] = []
        current = None
        for ts, st in sorted(self.states):
            if st != current:
                out.append((ts, st))
                current = st
        return out


class Publisher:
    """The plant's gateway: message k carries every tag at source time ``t0 + k·100 ms`` (shifted by
    ``clock(k)`` when a test skews the source clock)."""

    def __init__(self, url: str, company: str, *, t0_ms: int | None = None) -> None:
        self.url = url
        self.company = company
        self.t0_ms = t0_ms if t0_ms is not None else int(time.time() * 1000) - 3_600_000
        self.sent = Sent()
        self.k = 0

    def message(self, k: int, clock: Callable[[int], int] | None = None) -> tuple[int, dict[str, Any]]:
        ts = self.t0_ms + k * STEP_MS + (clock(k) if clock else 0)
        values: dict[str, Any] = {f"a{i}": float(k) + i / 100 for i in range(N_ANALOG)}
        values["state"] = STATES[(k // 7) % len(STATES)]
        return ts, values

    async def run(
        self, n: int, rate_hz: float, *, clock: Callable[[int], int] | None = None, sent_now: Any = None
    ) -> None:
        from urllib.parse import urlparse

        import aiomqtt

        u = urlparse(self.url)
        async with aiomqtt.Client(
            u.hostname or "127.0.0.1", u.port or 1883, identifier=f"gw-{self.company}", timeout=10
        ) as client:
            t_start = time.monotonic()
            for _ in range(n):
                k = self.k
                ts, values = self.message(k, clock)
                await client.publish(
                    f"plant/{self.company}/line", json.dumps({"ts": ts, "values": values}), qos=1
                )
                for i in range(N_ANALOG):
                    self.sent.samples.append((f"F.a{i}", ts, values[f"a{i}"]))
                self.sent.samples.append((f"{EQUIPMENT}.state", ts, values["state"]))
                self.sent.states.append((ts, values["state"]))
                self.k += 1
                if sent_now is not None:
                    sent_now(self.k)
                delay = t_start + self.k / rate_hz - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)


def digest(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for r in sorted(rows, key=repr):
        h.update(repr(r).encode())
    return h.hexdigest()


def stored_samples(runtime: Runtime, company_id: int, *, system: bool = False) -> list[tuple[str, int, Any]]:
    with runtime.transaction() as s:
        q = (
            select(TsTag.code, TsSample.ts, TsSample.value, TsSample.text)
            .join(TsTag, TsTag.id == TsSample.tag_id)
            .where(TsTag.company_id == company_id)
        )
        q = q.where(
            TsTag.code.like("\\_collector.%", escape="\\")
            if system
            else ~TsTag.code.like("\\_%", escape="\\")
        )
        rows = s.execute(q).all()
    return [(tag, dt_to_ms(ts), txt if txt is not None else v) for tag, ts, v, txt in rows]


def count_samples(runtime: Runtime, company_id: int) -> int:
    with runtime.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(TsSample)
                .join(TsTag, TsTag.id == TsSample.tag_id)
                .where(TsTag.company_id == company_id, ~TsTag.code.like("\\_%", escape="\\"))
            )
            or 0
        )


def stored_state_events(runtime: Runtime, company_id: int) -> list[tuple[int, str]]:
    with runtime.transaction() as s:
        rows = s.execute(
            select(Event.occurred_at, Event.payload).where(
                Event.company_id == company_id, Event.type == "machine.state_changed"
            )
        ).all()
    return [(dt_to_ms(at), str(p["state"])) for at, p in rows]


def all_stored(runtime: Runtime, company_id: int, sent: Sent) -> bool:
    """Have as many samples and machine-state events arrived as were sent? (Events can come after the
    samples: a batch's events wait for its predecessor in the collector's stream, which a restarted
    worker may hold. What is missing or doubled is for :func:`account` to tell.)"""
    if count_samples(runtime, company_id) < len(sent.samples):
        return False
    return len(stored_state_events(runtime, company_id)) >= len(sent.transitions())


def account(
    name: str,
    sent: Sent,
    stored: list[tuple[str, int, Any]],
    events: list[tuple[int, str]] | None = None,
    *,
    key: Callable[[tuple[str, int, Any]], Any] = lambda r: r,
    **extra: Any,
) -> dict[str, Any]:
    """Counts (sent, stored, duplicates, lost, unexpected) of samples and of events; printed and returned.

    ``key`` picks what must match (a test that re-stamps times compares tag and value only)."""
    want = Counter(key(r) for r in sent.samples)
    have = Counter(key(r) for r in stored)
    out: dict[str, Any] = {
        "sent": sum(want.values()),
        "stored": sum(have.values()),
        "duplicates": sum(n - 1 for n in have.values() if n > 1),
        "lost": sum((want - have).values()),
        "unexpected": sum((have - want).values()),
        "digest_match": digest(list(want.elements())) == digest(list(have.elements())),
    }
    if events is not None:
        ew, eh = Counter(sent.transitions()), Counter(events)
        out |= {
            "events_sent": sum(ew.values()),
            "events_stored": sum(eh.values()),
            "events_duplicates": sum(n - 1 for n in eh.values() if n > 1),
            "events_lost": sum((ew - eh).values()),
            "events_unexpected": sum((eh - ew).values()),
        }
    out |= extra
    print(f"\n[fault] {name}: " + ", ".join(f"{k}={v}" for k, v in out.items()))
    return out


async def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(step)
    return False


def tagmap(data: dict[str, Any]) -> TagMap:
    return TagMap.model_validate(data)


def jejo(args: list[str], env: dict[str, str], log: Any = None) -> Any:
    """A ``jejo`` command as its own process (the way systemd starts it)."""
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-c", "from jejo.cli import main; main()", *args],
        env={**os.environ, **env},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )


def write_tag_map(path: Any, data: dict[str, Any]) -> Any:
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path
