"""The Jinja2 environment of the web pages and the one function that renders a page or a fragment."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from jejo import __version__
from jejo.core import i18n
from jejo.core.i18n import Translator, normalise_locale
from jejo.web import labels
from jejo.web.context import LANG_COOKIE, LANG_COOKIE_MAX_AGE_S, Viewer

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _tr(ctx: Context) -> Translator:
    tr: Translator = ctx["tr"]
    return tr


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return _tr(ctx).gettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return _tr(ctx).ngettext(singular, plural, n)


@pass_context
def _time(ctx: Context, value: datetime | None, seconds: bool = False) -> str:
    return i18n.format_time(value, _tr(ctx).locale, seconds=seconds)


@pass_context
def _day(ctx: Context, value: date | None) -> str:
    return i18n.format_day(value, _tr(ctx).locale)


@pass_context
def _krw(ctx: Context, value: float | None) -> str:
    return i18n.format_krw(value, _tr(ctx).locale)


@pass_context
def _num(ctx: Context, value: float | None, digits: int = 2) -> str:
    return i18n.format_number(value, _tr(ctx).locale, digits=digits)


@pass_context
def _label(ctx: Context, key: str | None, table: str) -> str:
    tables: dict[str, dict[str, str]] = {
        "wo_status": labels.WORK_ORDER_STATUS,
        "op_status": labels.OPERATION_STATUS,
        "machine": labels.MACHINE_STATE,
        "event": labels.EVENT_TYPE,
        "field": labels.FIELD,
        "kind": labels.KIND_LABEL,
        "command": labels.COMMANDS,
    }
    return labels.label(tables[table], key, _tr(ctx))


@cache
def environment() -> Environment:
    """The shared environment; ``gettext`` reads the translator from each render's context."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(time=_time, day=_day, krw=_krw, num=_num, label=_label)
    env.globals.update(version=__version__)
    return env


def is_htmx(request: Request) -> bool:
    """A fragment request from htmx (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def lang_switch_url(request: Request, lang: str) -> str:
    """The current page (path and query) in another language."""
    return f"{request.url.path}?{request.url.include_query_params(lang=lang).query}"


def render(
    request: Request,
    template: str,
    tr: Translator,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` in the translator's language; keep a ``?lang=`` choice in a cookie."""
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            tr=tr,
            lang=tr.locale,
            viewer=viewer,
            lang_url=lambda code: lang_switch_url(request, code),
            **context,
        )
    )
    response = HTMLResponse(body, status_code=status_code)
    asked = normalise_locale(request.query_params.get("lang"))
    if asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_MAX_AGE_S, httponly=True, samesite="lax")
    return response
