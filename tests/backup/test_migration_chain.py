"""Every schema revision upgrades to head with data present, and back down again: a site on any earlier
release keeps its data through `jejo db upgrade`."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from jejo.backup import dbcopy
from jejo.core.runtime import Runtime


def _revisions(rt: Runtime) -> list[str]:
    script = ScriptDirectory.from_config(rt.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]  # oldest first


def _downgrade(rt: Runtime, revision: str) -> None:
    cfg = rt.alembic_config()
    with rt.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _seed(rt: Runtime, tag: str) -> None:
    """Rows in the tables every revision has (0001): a company, a user, an item."""
    with rt.engine.begin() as conn:
        cid = conn.execute(
            text(
                "INSERT INTO companies (code, name, created_at)"
                " VALUES (:c, :n, CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"c": f"MIG-{tag}", "n": f"이전 버전 {tag}"},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO users (company_id, username, display_name, password_hash, roles, locale,"
                " active, created_at) VALUES"
                " (:cid, 'old', '옛 사용자', 'x', '[\"admin\"]', 'ko', true, CURRENT_TIMESTAMP)"
            ),
            {"cid": cid},
        )
        conn.execute(
            text(
                "INSERT INTO items (company_id, code, name, kind, uom)"
                " VALUES (:cid, 'OLD-1', '옛 품목', 'raw', 'EA')"
            ),
            {"cid": cid},
        )


def _check_seed(rt: Runtime, tag: str) -> None:
    with rt.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.name, u.display_name, i.name FROM companies c JOIN users u ON u.company_id = c.id "
                "JOIN items i ON i.company_id = c.id WHERE c.code = :c"
            ),
            {"c": f"MIG-{tag}"},
        ).one()
    assert tuple(row) == (f"이전 버전 {tag}", "옛 사용자", "옛 품목")


def _chain(rt: Runtime) -> None:
    revisions = _revisions(rt)
    assert revisions[0] == "0001" and len(revisions) >= 6
    for rev in revisions:
        rt.upgrade(rev)
        _seed(rt, rev)
    rt.upgrade("head")
    assert rt.current_revision() == revisions[-1]
    for rev in revisions:
        _check_seed(rt, rev)
    # each downgrade step runs with the data in place, down to the first revision
    for rev in reversed(revisions[:-1]):
        _downgrade(rt, rev)
        assert rt.current_revision() == rev
        _check_seed(rt, "0001")
    _downgrade(rt, "base")
    assert rt.current_revision() is None


def test_every_revision_upgrades_with_data_and_downgrades(sqlite_rt: Runtime) -> None:
    _chain(sqlite_rt)


@pytest.mark.postgres
def test_every_revision_upgrades_with_data_and_downgrades_on_postgres(pg_rt: Runtime) -> None:
    _chain(pg_rt)


def test_head_from_each_revision_alone(sqlite_rt: Runtime, tmp_path: Path) -> None:
    """A site that stayed on revision N (and only N) upgrades to the same schema as a fresh install."""
    fresh = Runtime(
        sqlite_rt.settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    )
    fresh.upgrade()
    want = {k: v.rows for k, v in dbcopy.fingerprint(fresh.engine).items()}
    fresh.engine.dispose()
    for rev in _revisions(sqlite_rt)[:-1]:
        url = f"sqlite:///{tmp_path / f'site-{rev}.db'}"
        rt = Runtime(sqlite_rt.settings.model_copy(update={"database_url": url}))
        rt.upgrade(rev)
        _seed(rt, rev)
        rt.upgrade("head")
        got = dbcopy.fingerprint(rt.engine)
        assert set(got) == set(want), f"from {rev}: tables differ {set(got) ^ set(want)}"
        _check_seed(rt, rev)
        rt.engine.dispose()
