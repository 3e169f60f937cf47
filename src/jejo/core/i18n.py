"""The i18n catalogue: Korean first, English second.

Message catalogues are Babel ``.po`` files under ``jejo/web/locale/<lang>/LC_MESSAGES/``:
``messages.po`` for the core pages and one file per feature package (``center.po``, ``planning.po``, ...)
so packages keep their own strings; all the files of a language are merged. They are read once
(``babel.messages.pofile.read_po``) and kept in memory, so no compiled ``.mo`` files are needed.
Message ids are English; the Korean catalogue translates every one of them and the English catalogue
may leave a message empty (the id is then shown as it is).

Display helpers format times in Asia/Seoul and money in KRW, whatever the storage says (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from jejo.core.timeutil import to_local

#: UI languages: a user chooses one (``users.locale``); ``vi`` covers the operator terminal so far.
LOCALES: tuple[str, ...] = ("ko", "en", "vi")
DEFAULT_LOCALE = "ko"
#: Babel locale per UI language (numbers and dates are formatted with these).
BABEL_LOCALE = {"ko": "ko_KR", "en": "en_US", "vi": "vi_VN"}
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
DISPLAY_TZ = "Asia/Seoul"


@dataclass(frozen=True)
class Translator:
    """``gettext``/``ngettext`` for one language, over an in-memory message table."""

    locale: str
    messages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        if isinstance(found, tuple):
            found = found[0]
        return found or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.messages.get(singular)
        if isinstance(found, tuple) and found:
            # Korean has one plural form; English two (n == 1 → first).
            index = 0 if len(found) == 1 or n == 1 else 1
            if found[index]:
                return found[index]
        elif isinstance(found, str) and found:
            return found
        return singular if n == 1 else plural

    # the conventional short name
    _ = gettext

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALE.get(self.locale, "ko_KR")


def normalise_locale(value: str | None) -> str | None:
    """``'en-US'``, ``'EN'``, ``'ko_KR'`` → ``'en'``/``'ko'``; anything else → ``None``."""
    if not value:
        return None
    lang = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return lang if lang in LOCALES else None


def load_catalogue(path: Path, locale: str) -> Translator:
    """Read one ``.po`` file into a :class:`Translator` (fuzzy entries are skipped)."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    messages: dict[str, str | tuple[str, ...]] = {}
    for msg in catalog:
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, (list, tuple)) else msg.id
        if isinstance(msg.string, (list, tuple)):
            messages[key] = tuple(msg.string)
        elif msg.string:
            messages[key] = msg.string
    return Translator(locale, messages)


def catalogue_files(lang: str) -> list[Path]:
    """The ``.po`` files of one language: ``messages.po`` first, then the packages' files by name."""
    folder = CATALOGUE_DIR / lang / "LC_MESSAGES"
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))
    return files


def load_catalogues(paths: list[Path], locale: str) -> Translator:
    """Merge several ``.po`` files into one translator; a message defined twice is an error."""
    merged: dict[str, str | tuple[str, ...]] = {}
    for path in paths:
        for key, value in load_catalogue(path, locale).messages.items():
            if key in merged and merged[key] != value:
                raise ValueError(f"{path.name}: message {key!r} is already translated differently")
            merged[key] = value
    return Translator(locale, merged)


@cache
def translator(locale: str) -> Translator:
    """The translator for ``locale`` (one of :data:`LOCALES`); unknown languages get Korean."""
    lang = normalise_locale(locale) or DEFAULT_LOCALE
    return load_catalogues(catalogue_files(lang), lang)


def load_all() -> dict[str, Translator]:
    """Read every catalogue now (at start-up), so a broken ``.po`` file fails early."""
    return {lang: translator(lang) for lang in LOCALES}


# ---- display helpers -----------------------------------------------------------------------------


def format_time(value: datetime | None, locale: str = DEFAULT_LOCALE, *, seconds: bool = False) -> str:
    """A stored (UTC) time as people in the plant read it: Asia/Seoul, e.g. ``2026-11-26 09:05``."""
    if value is None:
        return ""
    pattern = "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm"
    return format_datetime(to_local(value, DISPLAY_TZ), pattern, locale=BABEL_LOCALE.get(locale, "ko_KR"))


def format_day(value: date | None, locale: str = DEFAULT_LOCALE) -> str:
    """A calendar day, ``2026-11-26``; the weekday is added in the UI language (``(목)``/``(Thu)``)."""
    if value is None:
        return ""
    weekday = format_date(value, "EEE", locale=BABEL_LOCALE.get(locale, "ko_KR"))
    return f"{value.isoformat()} ({weekday})"


def format_krw(amount: float | int | None, locale: str = DEFAULT_LOCALE) -> str:
    """Money in Korean won: ``₩1,250,000`` (KRW has no minor unit)."""
    if amount is None:
        return ""
    return format_currency(
        amount, "KRW", locale="ko_KR" if locale == "ko" else BABEL_LOCALE.get(locale, "ko_KR")
    )


def format_number(value: float | int | None, locale: str = DEFAULT_LOCALE, *, digits: int = 2) -> str:
    """A quantity with grouping and at most ``digits`` decimals (``1,234.5``)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, pattern, locale=BABEL_LOCALE.get(locale, "ko_KR"))
