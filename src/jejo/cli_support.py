"""Helpers shared by every `jejo` sub-command: JSON output, error exits, solver threads.

A command run with ``--json`` prints exactly one JSON object on stdout and nothing else; logs and
errors go to stderr; an error exits non-zero.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from jejo.core.errors import JejoError


def emit(obj: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str] | None = None) -> None:
    """Print a command's result: one JSON object with ``--json``, else a human-readable text."""
    if as_json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    else:
        text = human(obj) if human else json.dumps(obj, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write(text + "\n")
    sys.stdout.flush()


def available_cores(most: int = 8) -> int:
    """Threads a solver command uses by default: the cores this process may run on, at most ``most``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(most, cores))


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn jejo errors (and bad files) into a message on stderr and exit code 2."""
    try:
        yield
    except JejoError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(2) from exc
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(2) from exc
