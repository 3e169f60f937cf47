"""Readers for benchmark instance files (classic 2BP ``.2bp`` files)."""

from __future__ import annotations

from pathlib import Path

from jejo.core.errors import Problem, ValidationError
from jejo.furniture.cutting.model import Instance, Item


def _ints(line: str, lineno: int, want: int, what: str, path: str) -> list[int]:
    toks = line.split()
    try:
        vals = [int(t) for t in toks[:want]]
    except ValueError:
        vals = []
    if len(vals) < want:
        raise ValidationError(
            f"{path}: not a .2bp file",
            [Problem(f"expected {want} integer(s) ({what}), got {line.strip()!r}", field=path, row=lineno)],
        )
    return vals


def read_2bp(path: str | Path, absolute: int, rotate: bool = True) -> Instance:
    """Read the instance with absolute number ``absolute`` from a ``.2bp`` file (height first, then width)."""
    p = Path(path)
    lines = p.read_text().splitlines()
    i, found = 0, []
    while i < len(lines):
        if not lines[i].split():
            i += 1
            continue
        start = i
        _ints(lines[i], i + 1, 1, "problem class", str(p))
        if i + 3 >= len(lines):
            raise ValidationError(f"{p}: truncated instance", [Problem("header incomplete", row=start + 1)])
        (n,) = _ints(lines[i + 1], i + 2, 1, "number of items", str(p))
        _, ab = _ints(lines[i + 2], i + 3, 2, "relative and absolute instance number", str(p))
        hbin, wbin = _ints(lines[i + 3], i + 4, 2, "HBIN WBIN", str(p))
        if n < 0 or hbin <= 0 or wbin <= 0:
            raise ValidationError(f"{p}: bad header", [Problem("sizes must be positive", row=i + 2)])
        if i + 4 + n > len(lines):
            raise ValidationError(
                f"{p}: truncated instance", [Problem(f"instance {ab} announces {n} items", row=i + 2)]
            )
        found.append(ab)
        if ab == absolute:
            items = []
            for k in range(n):
                h, w = _ints(lines[i + 4 + k], i + 5 + k, 2, "item height and width", str(p))
                if h <= 0 or w <= 0:
                    raise ValidationError(
                        f"{p}: bad item", [Problem("item sizes must be positive", row=i + 5 + k)]
                    )
                items.append(Item(w, h, rotate))
            return Instance(tuple(items), wbin, hbin, f"{p.stem}:{ab}")
        i += 4 + n
    raise ValidationError(
        f"{p}: no instance with absolute number {absolute}",
        [Problem(f"instances in the file: {found[:3]}...{found[-3:]}", field="--instance")],
    )
