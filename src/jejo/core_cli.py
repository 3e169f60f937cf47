"""Core `jejo` commands: database, server, users, rebuild."""

from __future__ import annotations

import sys
from typing import Any

import typer

from jejo.cli_support import cli_errors, emit

db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
user_app = typer.Typer(no_args_is_help=True, help="Users and companies.")


def _runtime() -> Any:
    from jejo.core.runtime import Runtime

    return Runtime()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Create or migrate the database schema (Alembic)."""
    with cli_errors():
        rt = _runtime()
        rt.upgrade(revision)
        emit(
            {
                "database": rt.engine.url.render_as_string(hide_password=True),
                "revision": rt.current_revision(),
            },
            as_json,
            lambda o: f"database at revision {o['revision']}: {o['database']}",
        )


@user_app.command("add")
def user_add(
    username: str = typer.Argument(...),
    company: str = typer.Option(..., "--company", help="Company code; created if it does not exist"),
    company_name: str | None = typer.Option(None, "--company-name"),
    roles: str = typer.Option(
        "operator", "--roles", help="Comma-separated: operator,supervisor,manager,quality,maintenance,admin"
    ),
    password: str | None = typer.Option(
        None, "--password", envvar="JEJO_NEW_PASSWORD", help="Read from stdin when omitted"
    ),
    display_name: str | None = typer.Option(None, "--display-name"),
    locale: str = typer.Option("ko", "--locale"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a user (and their company, if new)."""
    from sqlalchemy import select

    from jejo.core.tenancy import Company
    from jejo.masterdata import users

    with cli_errors():
        pw = password if password is not None else sys.stdin.readline().rstrip("\n")
        rt = _runtime()
        with rt.transaction() as session:
            comp = session.scalar(select(Company).where(Company.code == company))
            if comp is None:
                comp = users.create_company(session, company, company_name or company)
            user = users.create_user(
                session,
                comp.id,
                username,
                pw,
                [r.strip() for r in roles.split(",") if r],
                display_name,
                locale,
            )
            emit(
                {"company": comp.code, "username": user.username, "roles": user.roles},
                as_json,
                lambda o: f"user {o['username']} added to {o['company']} ({', '.join(o['roles'])})",
            )


def serve(
    host: str | None = typer.Option(None, "--host"),
    port: int | None = typer.Option(None, "--port"),
    upgrade: bool = typer.Option(True, "--upgrade/--no-upgrade", help="Migrate the database first"),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, help="API processes on this port (default: JEJO_WORKERS, 1)"
    ),
) -> None:
    """Run the web server (API and pages). The processes keep no state of their own (sessions are
    signed cookies, everything else is in the database): run N with --workers N, or several
    ``jejo serve`` on other ports or hosts behind a load balancer."""
    import uvicorn

    from jejo.api.app import create_app

    with cli_errors():
        rt = _runtime()
        if upgrade:
            rt.upgrade()
        n = workers or rt.settings.workers
        bind_host: str = host or rt.settings.host
        bind_port: int = port or rt.settings.port
        if n == 1:
            uvicorn.run(create_app(rt), host=bind_host, port=bind_port, log_level="warning")
            return
        rt.settings.effective_secret_key()  # created once here, not raced for by the workers
        rt.engine.dispose()
        # each worker process builds its own app (and database pool) from the same settings
        uvicorn.run(
            "jejo.api.app:create_app",
            factory=True,
            workers=n,
            host=bind_host,
            port=bind_port,
            log_level="warning",
        )


def rebuild(
    company: str | None = typer.Option(None, "--company", help="Only this company"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Recompute every projection (state, WIP, genealogy, stock) from the event log."""
    from jejo.execution.projector import rebuild as do_rebuild
    from jejo.masterdata.users import get_company

    with cli_errors():
        rt = _runtime()
        with rt.transaction() as session:
            company_id = get_company(session, company).id if company else None
            stats = do_rebuild(session, company_id)
        emit(
            {"events": stats.events, "work_orders": stats.work_orders, "seconds": round(stats.seconds, 3)},
            as_json,
            lambda o: f"rebuilt projections from {o['events']} events in {o['seconds']} s",
        )
