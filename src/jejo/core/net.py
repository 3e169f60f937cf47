"""Loopback ports for the servers jejo starts for itself (the demo's simulated machines) and that tests
and benchmarks start.

A port asked of the kernel with ``bind(0)`` comes from the ephemeral range, which outgoing connections
draw from too, and the kernel may hand the same one out again once its probe socket is closed: two
servers could then be given one port, the second fails to bind, and whoever connects reaches the first.
Ports here come from below Linux's default ephemeral range and are never handed out twice in a process.
"""

from __future__ import annotations

import random
import socket

_LOW, _HIGH = 20_000, 32_000  # below Linux's default ephemeral range (32768-60999)
_given: set[int] = set()
_rng = random.Random()


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on and that this process has not handed out before."""
    for _ in range(1000):
        port = _rng.randrange(_LOW, _HIGH)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port on {host} in {_LOW}-{_HIGH}")
