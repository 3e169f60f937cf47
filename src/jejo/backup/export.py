"""A company's data in open formats, for when it leaves (or for its own archive): one zip with a CSV
(UTF-8 with BOM, so Excel opens Korean text correctly) and a JSON file per table, and a manifest.

Every table that belongs to the company is exported: tables with a ``company_id`` column filtered on it,
and child tables (e.g. BOM lines) through the foreign key to their parent. Password and token hashes are
left out: they are secrets of this installation and useless anywhere else.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, Engine, MetaData, Table, select
from sqlalchemy.sql.elements import ColumnElement

from jejo.core.errors import NotFound
from jejo.core.timeutil import utcnow

SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})
#: tables that hold no company data (schema bookkeeping, login throttling)
SKIP_TABLES = frozenset({"alembic_version", "login_failures"})


@dataclass(frozen=True)
class ExportResult:
    path: Path
    company: str
    tables: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "company": self.company,
            "tables": len(self.tables),
            "rows": sum(self.tables.values()),
        }


def _filter(table: Table, company_id: int, meta: MetaData, depth: int = 0) -> ColumnElement[bool] | None:
    """A condition selecting the company's rows of ``table``, or None when the table is not company data."""
    if table.name == "companies":
        return table.c.id == company_id
    if "company_id" in table.c:
        return table.c.company_id == company_id
    if depth > 3:
        return None
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent.name == table.name:
            continue
        cond = _filter(parent, company_id, meta, depth + 1)
        if cond is not None:
            return fk.parent.in_(select(fk.column).where(cond))
    return None


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):
        return value
    return str(value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rows(conn: Connection, table: Table, cond: ColumnElement[bool]) -> tuple[list[str], list[list[Any]]]:
    columns: list[Column[Any]] = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    order = list(table.primary_key.columns) or columns
    result = conn.execute(select(*columns).where(cond).order_by(*order))
    return [c.name for c in columns], [[_plain(v) for v in row] for row in result]


def export_company(engine: Engine, company_code: str, target: Path) -> ExportResult:
    """Write every table's rows of ``company_code`` to the zip ``target``."""
    meta = MetaData()
    meta.reflect(bind=engine)
    companies = meta.tables.get("companies")
    if companies is None:
        raise NotFound("the database holds no jejo schema; run `jejo db upgrade`")
    counts: dict[str, int] = {}
    files: dict[str, str] = {}
    skipped: list[str] = []
    with engine.connect() as conn:
        company_id = conn.execute(select(companies.c.id).where(companies.c.code == company_code)).scalar()
        if company_id is None:
            raise NotFound(f"company {company_code} not found")
        revision = None
        if "alembic_version" in meta.tables:
            revision = conn.execute(select(meta.tables["alembic_version"].c.version_num)).scalar()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for table in meta.sorted_tables:
                if table.name in SKIP_TABLES:
                    continue
                cond = _filter(table, int(company_id), meta)
                if cond is None:
                    skipped.append(table.name)
                    continue
                names, rows = _rows(conn, table, cond)
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\r\n")
                writer.writerow(names)
                writer.writerows([[_csv_cell(v) for v in row] for row in rows])
                csv_bytes = ("\ufeff" + buf.getvalue()).encode("utf-8")
                json_bytes = json.dumps(
                    {
                        "table": table.name,
                        "columns": names,
                        "rows": [dict(zip(names, r, strict=True)) for r in rows],
                    },
                    ensure_ascii=False,
                    indent=1,
                ).encode("utf-8")
                for name, data in (
                    (f"csv/{table.name}.csv", csv_bytes),
                    (f"json/{table.name}.json", json_bytes),
                ):
                    zf.writestr(name, data)
                    files[name] = hashlib.sha256(data).hexdigest()
                counts[table.name] = len(rows)
            manifest = {
                "format": "jejo-tenant-export/1",
                "company": company_code,
                "exported_at": utcnow().isoformat(),
                "schema_revision": revision,
                "tables": counts,
                "sha256": files,
                "not_company_data": skipped,
                "notes": "CSV: UTF-8 with BOM, comma separated, header row; empty cell = null; JSON values "
                "as JSON text. Times are UTC (ISO 8601). Password and token hashes are left out.",
            }
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    tmp.replace(target)
    return ExportResult(target, company_code, counts)
