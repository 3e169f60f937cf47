"""Readers for the standard benchmark formats.

- OR-Library job shop (``jssp``): ``#`` comment lines; first data line ``n_jobs n_machines``; then one
  line per job with ``machine duration`` pairs in technological order, machines numbered from 0.
- Brandimarte flexible job shop (``fjsp``): first line ``n_jobs n_machines [avg]``; then one line per job:
  ``n_ops`` and, per operation, ``k`` followed by ``k`` pairs ``machine duration``, machines from 1.

Bad files raise :class:`jejo.core.errors.ValidationError` naming the line and the reason.
"""

from __future__ import annotations

from pathlib import Path

from jejo.core.errors import Problem, ValidationError
from jejo.planning.jobshop import Instance, Job, Operation


def _data_lines(text: str) -> list[tuple[int, list[str]]]:
    out = []
    for no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((no, stripped.split()))
    return out


def _ints(no: int, tokens: list[str], what: str) -> list[int]:
    try:
        values = [int(t) for t in tokens]
    except ValueError:
        raise ValidationError(
            f"not a valid {what} file", [Problem(f"expected integers, got {' '.join(tokens)!r}", row=no)]
        ) from None
    if any(v < 0 for v in values):
        raise ValidationError(f"not a valid {what} file", [Problem("negative number", row=no)])
    return values


def _fail(what: str, no: int, reason: str) -> ValidationError:
    return ValidationError(f"not a valid {what} file", [Problem(reason, row=no)])


def parse_jssp(text: str, name: str = "") -> Instance:
    """Parse an OR-Library job-shop instance."""
    what = "job-shop"
    lines = _data_lines(text)
    if not lines:
        raise _fail(what, 1, "empty file: expected a header 'n_jobs n_machines'")
    no, tokens = lines[0]
    header = _ints(no, tokens, what)
    if len(header) < 2 or header[0] < 1 or header[1] < 1:
        raise _fail(what, no, "header must be 'n_jobs n_machines' with positive numbers")
    n_jobs, n_machines = header[0], header[1]
    if len(lines) - 1 < n_jobs:
        last = lines[-1][0]
        raise _fail(what, last, f"expected {n_jobs} job lines after the header, found {len(lines) - 1}")
    jobs = []
    for no, tokens in lines[1 : 1 + n_jobs]:
        values = _ints(no, tokens, what)
        if len(values) % 2 or not values:
            raise _fail(what, no, "a job line must hold 'machine duration' pairs")
        ops = []
        for k in range(0, len(values), 2):
            m, d = values[k], values[k + 1]
            if m >= n_machines:
                raise _fail(what, no, f"machine {m} out of range 0..{n_machines - 1}")
            ops.append(Operation(((m, d),)))
        jobs.append(Job(tuple(ops)))
    return Instance(tuple(jobs), n_machines, name)


def parse_fjsp(text: str, name: str = "") -> Instance:
    """Parse a Brandimarte flexible job-shop instance (machines converted to 0-based)."""
    what = "flexible job-shop"
    lines = _data_lines(text)
    if not lines:
        raise _fail(what, 1, "empty file: expected a header 'n_jobs n_machines'")
    no, tokens = lines[0]
    try:
        header = [int(float(t)) for t in tokens]
    except ValueError:
        raise _fail(what, no, f"expected numbers, got {' '.join(tokens)!r}") from None
    if len(header) < 2 or header[0] < 1 or header[1] < 1:
        raise _fail(what, no, "header must be 'n_jobs n_machines [avg]' with positive numbers")
    n_jobs, n_machines = header[0], header[1]
    if len(lines) - 1 < n_jobs:
        raise _fail(
            what, lines[-1][0], f"expected {n_jobs} job lines after the header, found {len(lines) - 1}"
        )
    jobs = []
    for no, tokens in lines[1 : 1 + n_jobs]:
        values = _ints(no, tokens, what)
        pos, ops = 1, []
        try:
            for _ in range(values[0]):
                k = values[pos]
                pos += 1
                if k < 1:
                    raise _fail(what, no, "an operation needs at least one machine")
                alts = []
                for _ in range(k):
                    m, d = values[pos], values[pos + 1]
                    pos += 2
                    if not 1 <= m <= n_machines:
                        raise _fail(what, no, f"machine {m} out of range 1..{n_machines}")
                    alts.append((m - 1, d))
                ops.append(Operation(tuple(alts)))
        except IndexError:
            raise _fail(what, no, "line ends before all operations are described") from None
        if pos != len(values):
            raise _fail(what, no, "extra numbers after the last operation")
        jobs.append(Job(tuple(ops)))
    return Instance(tuple(jobs), n_machines, name)


def read_instance(path: Path, fmt: str = "jssp") -> Instance:
    """Read an instance file in format ``jssp`` or ``fjsp``."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if fmt == "jssp":
        return parse_jssp(text, Path(path).name)
    if fmt == "fjsp":
        return parse_fjsp(text, Path(path).name)
    raise ValidationError(
        f"unknown instance format {fmt!r}", [Problem("use 'jssp' or 'fjsp'", field="format")]
    )
