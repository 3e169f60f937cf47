"""``jejo backup`` / ``jejo restore``: a consistent copy of the whole database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a live database page by page; the
backup is an ordinary SQLite file. PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, so the
backup is also usable with the PostgreSQL tools alone. A backup taken at a schema revision this jejo does
not know (a newer release) is refused, and so is a ``pg_dump`` older than the server.

:func:`fingerprint` gives each table's row count and a hash of its content, to prove a round trip.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, MetaData, select, text

from jejo.core.errors import Conflict, JejoError, NotFound, Problem, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDMP_MAGIC = b"PGDMP"


class BackupError(JejoError):
    status = 500
    title = "Backup or restore failed"
    type_slug = "backup"


@dataclass(frozen=True)
class TablePrint:
    rows: int
    sha256: str


def _norm(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def reflect(engine: Engine) -> MetaData:
    meta = MetaData()
    schema = _pg_schema(engine) if engine.dialect.name == "postgresql" else None
    meta.reflect(bind=engine, schema=schema)
    return meta


def fingerprint(engine: Engine, meta: MetaData | None = None) -> dict[str, TablePrint]:
    """Row count and content hash of every table in the database (rows in primary-key order);
    ``meta``: the tables, reflected once by the caller (default: reflect them now)."""
    meta = meta if meta is not None else reflect(engine)
    out: dict[str, TablePrint] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            n = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update("\x1f".join(_norm(v) for v in row).encode())
                digest.update(b"\x1e")
                n += 1
            out[table.name] = TablePrint(n, digest.hexdigest())
    return out


# ---- revisions --------------------------------------------------------------------------------------


def known_revisions(alembic_config: Any) -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config)
    return [rev.revision for rev in script.walk_revisions()]


def _check_revision(revision: str | None, known: list[str], what: str) -> None:
    if revision is None:
        raise ValidationError(f"{what} holds no jejo schema (no alembic_version table)")
    if revision not in known:
        raise Conflict(
            f"{what} was made at schema revision {revision}, which this jejo does not know "
            "(a newer release?); restore it with that release or newer",
            [Problem(reason=f"unknown revision {revision}", field="revision")],
        )


# ---- SQLite -----------------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        raise ValidationError("an in-memory SQLite database cannot be backed up")
    return Path(db)


def _sqlite_backup(engine: Engine, target: Path) -> None:
    _sqlite_path(engine)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        src = raw.driver_connection
        assert isinstance(src, sqlite3.Connection)
        dst = sqlite3.connect(tmp)
        try:
            # one step, inside one read transaction: a stepwise copy starts over whenever another
            # connection writes between steps, so under steady writes it might never finish
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
    finally:
        raw.close()
    os.replace(tmp, target)


def _sqlite_revision(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()


def _sqlite_restore(engine: Engine, source: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise ValidationError(f"{source} is damaged: {check[0] if check else 'no answer'}")
        engine.dispose()  # no pooled connection may hold the old pages
        raw = engine.raw_connection()
        try:
            dst = raw.driver_connection
            assert isinstance(dst, sqlite3.Connection)
            src.backup(dst, pages=-1)  # a backup file nobody writes: one step
        finally:
            raw.close()
    finally:
        src.close()
    engine.dispose()


# ---- PostgreSQL -------------------------------------------------------------------------------------


def _pg_schema(engine: Engine) -> str | None:
    """The schema named by ``options=-csearch_path=...`` in the URL (as the test suite uses), else None."""
    options = engine.url.query.get("options")
    if isinstance(options, tuple):
        options = options[0]
    if not options:
        return None
    m = re.search(r"-c\s*search_path\s*=\s*([A-Za-z0-9_]+)", unquote(options))
    return m.group(1) if m else None


def _libpq_env(engine: Engine) -> tuple[list[str], dict[str, str]]:
    url = engine.url
    args = ["--dbname", url.database or "postgres"]
    env = dict(os.environ)
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args.append("--no-password")
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise NotFound(
            f"{name} is not installed; install the PostgreSQL client tools of the server's version"
        )
    return path


def _major(version_text: str) -> int:
    m = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text) or re.search(r"(\d+)", version_text)
    if not m:
        raise BackupError(f"cannot read a version from {version_text!r}")
    return int(m.group(1))


def _check_pg_versions(engine: Engine, tool: str) -> tuple[int, int]:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    tool_major = _major(out)
    with engine.connect() as conn:
        server_num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    server_major = server_num // 10000
    if tool_major < server_major:
        raise Conflict(
            f"{Path(tool).name} is version {tool_major} but the server runs PostgreSQL {server_major}; "
            f"install the PostgreSQL {server_major} client tools (an older {Path(tool).name} cannot read "
            "a newer server)",
            [Problem(reason="client older than server", field="pg_version")],
        )
    return tool_major, server_major


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()][-5:]
        raise BackupError(f"{Path(cmd[0]).name} failed: " + " | ".join(lines))


def _pg_backup(engine: Engine, target: Path) -> None:
    tool = _tool("pg_dump")
    _check_pg_versions(engine, tool)
    args, env = _libpq_env(engine)
    schema = _pg_schema(engine)
    cmd = [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args]
    if schema:
        cmd += ["--schema", schema]
    tmp = target.with_name(target.name + ".part")
    cmd[cmd.index(str(target))] = str(tmp)
    _run(cmd, env)
    os.replace(tmp, target)


def _pg_archive_revision(source: Path) -> str | None:
    """The schema revision inside a pg_dump archive, read without touching the database. pg_restore
    itself refuses an archive written by a newer pg_dump; that is reported as a version mismatch."""
    tool = _tool("pg_restore")
    done = subprocess.run(
        [tool, "--data-only", "--table", "alembic_version", "--file", "-", str(source)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Conflict(
            f"pg_restore cannot read {source.name} ({last}); was it written by a newer pg_dump?",
            [Problem(reason="unreadable archive", field="pg_version")],
        )
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return None if value in ("", "\\.") else value
    return None


def _pg_restore(engine: Engine, source: Path) -> None:
    tool = _tool("pg_restore")
    _check_pg_versions(engine, tool)
    args, env = _libpq_env(engine)
    schema = _pg_schema(engine)
    engine.dispose()
    if schema:
        # the archive recreates the schema itself: drop the old one as a whole (partitions, sequences)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        cmd = [tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", *args]
    else:
        cmd = [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
        cmd += ["--exit-on-error", *args]
    _run([*cmd, str(source)], env)
    engine.dispose()


def _pg_revision_in(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table: not a jejo database
            return None


# ---- the two commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    dialect: str
    revision: str | None
    bytes: int
    tables: dict[str, TablePrint]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "dialect": self.dialect,
            "revision": self.revision,
            "bytes": self.bytes,
            "tables": len(self.tables),
            "rows": sum(t.rows for t in self.tables.values()),
        }


def backup(engine: Engine, target: Path) -> BackupResult:
    """Write a consistent backup of the database behind ``engine`` to ``target``."""
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; name the backup file", [Problem("a file", "target")])
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_backup(engine, target)
        revision = _sqlite_revision(target)
    elif engine.dialect.name == "postgresql":
        _pg_backup(engine, target)
        revision = _pg_revision_in(engine)
    else:
        raise ValidationError(f"backups of {engine.dialect.name} are not supported")
    return BackupResult(target, engine.dialect.name, revision, target.stat().st_size, fingerprint(engine))


def backup_kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDMP_MAGIC):
        return "postgresql"
    raise ValidationError(
        f"{path.name} is neither a SQLite backup nor a pg_dump custom-format archive",
        [Problem(reason="unknown file format", field="file")],
    )


def restore(engine: Engine, source: Path, alembic_config: Any) -> BackupResult:
    """Replace the database behind ``engine`` with the backup in ``source``.

    The backup's schema revision must be one this jejo knows; an older one is restored as it is and
    ``jejo db upgrade`` (or ``jejo serve``) migrates it. Stop every jejo process of the site first."""
    if not source.is_file():
        raise NotFound(f"backup file {source} not found")
    kind = backup_kind(source)
    if kind != engine.dialect.name:
        raise Conflict(
            f"{source.name} is a {kind} backup but the database is {engine.dialect.name}; "
            "use `jejo tenant export` files to move data between engines",
            [Problem(reason=f"{kind} backup", field="file")],
        )
    known = known_revisions(alembic_config)
    if kind == "sqlite":
        _check_revision(_sqlite_revision(source), known, source.name)
        _sqlite_restore(engine, source)
    else:
        _check_revision(_pg_archive_revision(source), known, source.name)
        _pg_restore(engine, source)
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    return BackupResult(source, kind, revision, source.stat().st_size, fingerprint(engine))


__all__ = ["BackupError", "BackupResult", "TablePrint", "backup", "backup_kind", "fingerprint", "restore"]
