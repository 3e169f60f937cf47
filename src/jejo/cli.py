"""The `jejo` command line.

Each domain package that has commands exposes a ``typer.Typer`` named ``app`` in its own ``cli``
module; they are mounted here. Heavy libraries are imported inside the commands, so that
``jejo --help`` and small commands start quickly.
"""

from __future__ import annotations

import importlib

import typer

from jejo.core.logging import configure_logging

app = typer.Typer(
    name="jejo",
    help="jejo (제조): smart-factory platform — MES, machine data, KPIs, planning, AI, center portal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# (module holding `app`, command group name, help)
_GROUPS: list[tuple[str, str, str]] = [
    ("jejo.furniture.cli", "cut", "Panel cutting optimisation (guillotine / nesting)."),
    (
        "jejo.furniture.process_cli",
        "furniture",
        "Cabinet orders, cutting plans, labels, part tracking.",
    ),
    ("jejo.planning.cli", "plan", "Finite-capacity scheduling and job-shop benchmarks."),
    ("jejo.ai.cli", "ai", "Anomaly detection, RUL, quality prediction."),
    ("jejo.kpi.cli", "kpi", "OEE / ISO 22400 KPIs, losses, SPC, PQCD before/after."),
    ("jejo.kpi.report_cli", "report", "Daily production, weekly OEE and monthly PQCD reports (.xlsx, .pdf)."),
    ("jejo.sales.cli", "sales", "Sales orders: import/export for the ERP, delivery figures, make-to-order."),
    ("jejo.quality.cli", "quality", "Sampling plans (KS Q ISO 2859-1), lot holds."),
    ("jejo.purchasing.cli", "purchasing", "Material shortages (MRP) and purchase proposals."),
    ("jejo.costing.cli", "costing", "Standard vs actual cost of work orders."),
    ("jejo.maintenance.cli", "maintenance", "Preventive maintenance: open the orders that are due."),
    ("jejo.center.cli", "center", "Center portal: programs, eligibility, firm import, deadline reminders."),
    ("jejo.center.results_cli", "results", "Results with consent: push shared indicators to the center."),
    ("jejo.twin.cli", "twin", "Digital twin and data standards: AAS, B2MML, KAMP datasets."),
    ("jejo.telemetry.cli", "telemetry", "Machine data: tag maps, collector, ingest workers, simulator."),
    ("jejo.backup.cli", "tenant", "A company's data: export in open formats (CSV + JSON)."),
]


def _mount_groups() -> None:
    for module_name, name, help_text in _GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        sub = getattr(module, "app", None)
        if isinstance(sub, typer.Typer):
            app.add_typer(sub, name=name, help=help_text)


_mount_groups()


def _mount_core() -> None:
    from jejo import core_cli

    app.add_typer(core_cli.db_app, name="db")
    app.add_typer(core_cli.user_app, name="user")
    app.command("serve")(core_cli.serve)
    app.command("rebuild")(core_cli.rebuild)
    for module_name, names in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for name in names:
            app.command(name)(getattr(module, name.replace("-", "_") + "_command"))


# (module, top-level commands it defines as `<name>_command`)
_COMMANDS: list[tuple[str, list[str]]] = [
    ("jejo.masterdata.transfer_cli", ["import", "export"]),
    ("jejo.demo_cli", ["demo"]),
    ("jejo.backup.cli", ["backup", "restore"]),
    ("jejo.telemetry.cli", ["ingest"]),
]

_mount_core()


@app.callback()
def _root(log_level: str = typer.Option("WARNING", "--log-level", envvar="JEJO_LOG_LEVEL")) -> None:
    configure_logging(log_level)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
