"""Waiting for the servers tests start; their ports come from :func:`jejo.core.net.free_port` (below the
ephemeral range, never handed out twice in a run)."""

from __future__ import annotations

import socket
import subprocess
import time

from jejo.core.net import free_port

__all__ = ["free_port", "wait_port"]


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
