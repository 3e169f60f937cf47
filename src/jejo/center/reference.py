"""Reference data shipped with jejo for the center side: KSIC manufacturing codes, 시·군, and the
사업자등록번호 checksum."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from jejo.core.errors import Problem

SYSTEM_LEVELS = ("기초", "중간1", "중간2", "고도화")
_BN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def load_data(*parts: str) -> Any:
    """A YAML file under ``jejo/center/data``."""
    text = resources.files("jejo.center").joinpath("data", *parts).read_text(encoding="utf-8")
    return yaml.safe_load(text)


# ---- 사업자등록번호 -------------------------------------------------------------------------------


def normalise_business_number(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "")


def business_number_problem(value: str, field: str = "business_number") -> Problem | None:
    """None when ``value`` is a valid 사업자등록번호 (10 digits, dashes allowed, checksum right)."""
    digits = normalise_business_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        return Problem(reason="사업자등록번호 must be 10 digits (e.g. 123-45-67890)", field=field)
    d = [int(c) for c in digits]
    total = sum(x * w for x, w in zip(d[:9], _BN_WEIGHTS, strict=True)) + (d[8] * 5) // 10
    if (10 - total % 10) % 10 != d[9]:
        return Problem(reason="사업자등록번호 checksum does not match (check the digits)", field=field)
    return None


def with_check_digit(prefix9: str) -> str:
    """The 10-digit 사업자등록번호 for 9 leading digits (demo and test data)."""
    d = [int(c) for c in prefix9]
    total = sum(x * w for x, w in zip(d, _BN_WEIGHTS, strict=True)) + (d[8] * 5) // 10
    return prefix9 + str((10 - total % 10) % 10)


def format_business_number(digits: str) -> str:
    d = normalise_business_number(digits)
    return f"{d[:3]}-{d[3:5]}-{d[5:]}" if len(d) == 10 else d


# ---- KSIC -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ksic:
    code: str  # digits, e.g. "32" or "32021"
    name: str
    division: str
    division_name: str


@cache
def _ksic() -> dict[str, Any]:
    data: dict[str, Any] = load_data("ksic_c.yaml")
    return data


def ksic_source() -> dict[str, str]:
    return dict(_ksic()["source"])


def ksic_divisions() -> dict[str, str]:
    return {str(k): str(v) for k, v in _ksic()["divisions"].items()}


def lookup_ksic(code: str) -> Ksic | None:
    """A manufacturing (section C) code: a division 10–34, or a finer code jejo ships; ``C`` prefix
    optional. Finer codes of divisions whose classes are not shipped are accepted at division level."""
    digits = (code or "").strip().upper().removeprefix("C").strip()
    if not re.fullmatch(r"\d{2,5}", digits):
        return None
    divisions = ksic_divisions()
    division = digits[:2]
    if division not in divisions:
        return None
    classes = {str(k): str(v) for k, v in _ksic()["classes"].items()}
    if len(digits) == 2:
        return Ksic(digits, divisions[division], division, divisions[division])
    if any(k.startswith(division) for k in classes):
        if digits not in classes:
            return None
        return Ksic(digits, classes[digits], division, divisions[division])
    return Ksic(digits, divisions[division], division, divisions[division])


def ksic_problem(code: str, field: str = "ksic_code") -> Problem | None:
    if lookup_ksic(code) is None:
        return Problem(
            reason=f"unknown KSIC code {code!r}: a manufacturing code (section C, divisions 10–34) is needed",
            field=field,
        )
    return None


# ---- 시·군 ----------------------------------------------------------------------------------------


@cache
def _sigungu() -> dict[str, Any]:
    data: dict[str, Any] = load_data("sigungu.yaml")
    return data


def gyeonggi_north() -> list[str]:
    return list(_sigungu()["north"])


def known_sigungu() -> list[str]:
    d = _sigungu()
    return [*d["north"], *d["south"]]


def sigungu_problem(value: str, field: str = "sigungu") -> Problem | None:
    """경기도 시·군 by name (e.g. 포천시), or elsewhere with the 시·도 first (e.g. 충청북도 청주시)."""
    v = (value or "").strip()
    if v in known_sigungu():
        return None
    parts = v.split()
    if len(parts) == 2 and parts[0] in _sigungu()["provinces"] and parts[1][-1:] in ("시", "군", "구"):
        return None
    return Problem(
        reason=f"unknown 시·군 {v!r}: a 경기도 시·군 (e.g. 포천시), or 시·도 and 시·군·구 (충청북도 청주시)",
        field=field,
    )


def level_rank(level: str | None) -> int:
    """기초 = 1 … 고도화 = 4; 0 for none or unknown."""
    return SYSTEM_LEVELS.index(level) + 1 if level in SYSTEM_LEVELS else 0
