"""Fixtures for machine-data tests: a private Mosquitto broker that a test may stop and restart, a company,
and a helper that runs the simulator, collector and ingest together on loopback."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.ports import free_port, wait_port

from jejo.core.runtime import Runtime


class Broker:
    """A Mosquitto of our own on a free loopback port, with persistence (so stopping it loses nothing)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\nmax_queued_messages 0\n"
            f"log_dest file {folder}/mosquitto.log\n"
            # stay who we are (as root, mosquitto would switch to a user that cannot write here)
            f"user {getpass.getuser()}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("mosquitto") or "mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, 10, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def company(runtime: Runtime) -> tuple[int, str]:
    from jejo.masterdata import users

    code = f"TM-{uuid.uuid4().hex[:8]}"
    with runtime.transaction() as s:
        c = users.create_company(s, code, f"telemetry {code}")
        return c.id, code
