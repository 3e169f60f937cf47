"""Cell values as people type them, turned into what the schemas expect (no database here).

Excel gives numbers, dates and booleans; CSV gives text. Both are brought to one form before the
pydantic schemas validate them: a code typed as ``1001`` becomes ``"1001"``, ``2026. 8. 3.`` a date,
``오후 5:30`` a time, ``예``/``아니오`` a boolean, ``5%`` in a number column 0.05. Whatever cannot be
understood is passed on unchanged, so that the schema names the problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from jejo.masterdata.transfer.layout import Column

TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y", "on", "예", "네", "o", "○", "참", "사용", "근무"})
FALSE_WORDS = frozenset(
    {"false", "f", "0", "no", "n", "off", "아니오", "아니요", "x", "×", "거짓", "미사용", "휴무"}
)

_DATE = re.compile(r"^(\d{4})\s*[./\-년]\s*(\d{1,2})\s*[./\-월]\s*(\d{1,2})\s*[.일]?$")
_TIME = re.compile(r"^(오전|오후|am|pm)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce(value: Any, col: Column) -> Any:
    """One cell for one column; ``None`` for an empty cell."""
    if blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    t = col.type
    if t is str:
        return _text(value)
    if t is bool:
        return _boolean(value)
    if t in (int, float):
        return _number(value)
    if t is date:
        return _date(value)
    if t is time:
        return _time(value)
    return value


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    text = value.replace(" ", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if not text or not _NUMBER.match(text):
        return value
    number = float(text.replace(",", ""))
    if percent:
        return number / 100
    return int(number) if number.is_integer() and "." not in text else number


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        m = _DATE.match(value)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return value
    return value


def _time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, timedelta):
        return (datetime.min + value).time() if value < timedelta(days=1) else value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(value * 86400)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, str):
        m = _TIME.match(value)
        if m:
            hour, minute, second = int(m[2]), int(m[3]), int(m[4] or 0)
            marker = (m[1] or m[5] or "").lower()
            if marker in ("오후", "pm") and hour < 12:
                hour += 12
            elif marker in ("오전", "am") and hour == 12:
                hour = 0
            if hour < 24 and minute < 60 and second < 60:
                return time(hour, minute, second)
    return value
