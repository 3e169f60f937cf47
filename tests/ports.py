"""Loopback ports for the servers tests start (brokers, web servers, PostgreSQL clusters).

A port asked of the kernel with ``bind(0)`` comes from the ephemeral range, which outgoing connections
draw from too, and the kernel may hand the same one out again once its probe socket is closed: two
servers of one test could then be given one port, the second fails to bind, and the test talks to the
first one thinking it is the second. Ports here come from below the ephemeral range and are never
handed out twice in one test run."""

from __future__ import annotations

import random
import socket
import subprocess
import time

_LOW, _HIGH = 20_000, 32_000  # below Linux's default ephemeral range (32768-60999)
_given: set[int] = set()
_rng = random.Random()


def free_port() -> int:
    """A loopback port nothing listens on, not given to anyone else in this run."""
    for _ in range(1000):
        port = _rng.randrange(_LOW, _HIGH)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {_LOW}-{_HIGH}")


def wait_port(port: int, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until something listens on ``port``; with ``proc``, it must be that process (still running
    once the port answers), not another server that happens to hold the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
            continue
        if proc is not None:
            time.sleep(0.1)  # a server that failed to bind exits right away
            if proc.poll() is not None:
                raise RuntimeError(f"port {port} answers but its server exited with {proc.returncode}")
        return
    raise RuntimeError(f"nothing listens on port {port}")
