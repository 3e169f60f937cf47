"""`jejo report ...`: the report commands of ``jejo.kpi.cli``, mounted as their own group."""

from __future__ import annotations

from jejo.kpi.cli import report_app as app

__all__ = ["app"]
