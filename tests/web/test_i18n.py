"""The catalogues and the display helpers: every page string has a Korean translation; Seoul time; KRW."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from jejo.core import i18n

WEB = Path(i18n.__file__).resolve().parent.parent / "web"


def page_messages() -> set[str]:
    found = extract_from_dir(
        str(WEB),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
    )
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, _comments, _ctx in found}


def test_every_page_string_is_translated_to_korean() -> None:
    ko = i18n.load_catalogues(i18n.catalogue_files("ko"), "ko")
    en = i18n.load_catalogues(i18n.catalogue_files("en"), "en")
    wanted = page_messages()
    assert len(wanted) > 100
    missing = sorted(m for m in wanted if m not in ko.messages)
    assert not missing, f"add Korean translations (docs/web.md, 'Catalogues'): {missing}"
    assert not sorted(m for m in wanted if m not in en.messages)
    stale = sorted(set(ko.messages) - wanted)
    assert not stale, f"obsolete messages in the ko catalogues: {stale}"


def test_translator_falls_back_and_plurals() -> None:
    ko, en = i18n.translator("ko"), i18n.translator("en-US")
    assert ko.gettext("Work orders") == "작업지시" and en.gettext("Work orders") == "Work orders"
    assert ko.gettext("no such message") == "no such message"
    assert ko.ngettext("%(num)d record", "%(num)d records", 5) == "총 %(num)d건"
    assert en.ngettext("%(num)d record", "%(num)d records", 1) == "%(num)d record"
    assert en.ngettext("%(num)d record", "%(num)d records", 2) == "%(num)d records"
    assert i18n.normalise_locale("ko_KR") == "ko" and i18n.normalise_locale("fr") is None


def test_times_show_in_seoul_and_money_in_won() -> None:
    stored = datetime(2026, 11, 26, 15, 30, 5, tzinfo=UTC)  # storage is UTC
    assert i18n.format_time(stored) == "2026-11-27 00:30"
    assert i18n.format_time(stored.replace(tzinfo=None), seconds=True) == "2026-11-27 00:30:05"  # naive = UTC
    assert i18n.format_day(date(2026, 11, 27)) == "2026-11-27 (금)"
    assert i18n.format_day(date(2026, 11, 27), "en") == "2026-11-27 (Fri)"
    assert i18n.format_krw(1_250_000) == "₩1,250,000"
    assert i18n.format_krw(1_250_000, "en") == "₩1,250,000"
    assert i18n.format_number(1234.5) == "1,234.5"
