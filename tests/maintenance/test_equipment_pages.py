"""A machine's page (history, reliability, documents) and the maintenance team's actions on an order:
documents upload and open again byte for byte, bad files are refused naming the field and leave nothing
behind, another company never sees them, and an order is started and completed from its page."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import Tenant, build_plant
from tests.web.helpers import web_login

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.execution.tables import Event
from jejo.masterdata import documents as docs

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data_dir(runtime: Runtime) -> Path:
    return Path(runtime.settings.data_dir)


def count_documents(runtime: Runtime, company_id: int) -> int:
    with runtime.transaction() as s:
        return int(
            s.scalar(
                select(func.count()).select_from(docs.Document).where(docs.Document.company_id == company_id)
            )
            or 0
        )


def test_documents_are_stored_by_content_and_read_back(runtime: Runtime, tenant: Tenant) -> None:
    build_plant(tenant)
    with runtime.transaction() as s:
        d = docs.add_document(
            s,
            data_dir(runtime),
            tenant.company_id,
            tenant.code,
            owner_kind="equipment",
            owner_code="PC-SAW-01",
            filename="C:\\manuals\\패널쏘 매뉴얼.pdf",
            content=PDF,
            kind="manual",
            actor="admin",
        )
        assert d.filename == "패널쏘 매뉴얼.pdf" and d.title == "패널쏘 매뉴얼"
        assert d.sha256 == hashlib.sha256(PDF).hexdigest() and d.size == len(PDF)
        again = docs.add_document(
            s,
            data_dir(runtime),
            tenant.company_id,
            tenant.code,
            owner_kind="equipment",
            owner_code="PC-SAW-01",
            filename="패널쏘 매뉴얼.pdf",
            content=PDF + b"rev2",
            kind="manual",
            actor="admin",
        )
        assert again.replaces_id == d.id
        listed = docs.list_documents(s, tenant.company_id, "equipment", "PC-SAW-01")
        assert [x.id for x in listed] == [again.id]  # the newest version of a title
        assert docs.read_document(data_dir(runtime), tenant.code, again) == PDF + b"rev2"
        blob = docs.blob_path(data_dir(runtime), tenant.code, d.sha256)
        blob.write_bytes(b"tampered")
        with pytest.raises(Exception, match="does not match"):
            docs.read_document(data_dir(runtime), tenant.code, d)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"owner_code": "NO-SUCH"}, "owner_code"),
        ({"filename": "virus.exe"}, "file"),
        ({"content": b""}, "file"),
        ({"content": b"x" * (docs.MAX_BYTES + 1)}, "file"),
        ({"kind": "poster"}, "kind"),
        ({"owner_kind": "operation", "owner_code": "CAB-600"}, "owner_code"),
    ],
)
def test_bad_uploads_name_the_field_and_store_nothing(
    runtime: Runtime, tenant: Tenant, kw: dict[str, Any], field: str
) -> None:
    build_plant(tenant)
    args: dict[str, Any] = {
        "owner_kind": "equipment",
        "owner_code": "PC-SAW-01",
        "filename": "m.pdf",
        "content": PDF,
        "kind": "manual",
        "actor": "admin",
    } | kw
    before = (
        sorted(p.name for p in (data_dir(runtime) / "documents").rglob("*") if p.is_file())
        if (data_dir(runtime) / "documents").exists()
        else []
    )
    with pytest.raises(ValidationError) as err, runtime.transaction() as s:
        docs.add_document(s, data_dir(runtime), tenant.company_id, tenant.code, **args)
    assert field in [p.field for p in err.value.problems]
    assert count_documents(runtime, tenant.company_id) == 0
    after = (
        sorted(p.name for p in (data_dir(runtime) / "documents").rglob("*") if p.is_file())
        if (data_dir(runtime) / "documents").exists()
        else []
    )
    assert after == before


def test_machine_page_upload_open_and_isolation(
    runtime: Runtime, app: Any, tenant: Tenant, other_tenant: Tenant
) -> None:
    build_plant(tenant)
    build_plant(other_tenant)
    web = TestClient(app)
    web_login(web, tenant)
    page = web.get("/maintenance/equipment/PC-SAW-01")
    assert page.status_code == 200 and "보전 이력" in page.text and "문서" in page.text
    files = {"file": ("blade-drawing.pdf", PDF, "application/pdf")}
    r = web.post("/maintenance/equipment/PC-SAW-01/documents", files=files, data={"kind": "drawing"})
    assert r.status_code == 403  # not from the page: refused, nothing stored
    assert count_documents(runtime, tenant.company_id) == 0
    r = web.post(
        "/maintenance/equipment/PC-SAW-01/documents", files=files, data={"kind": "drawing"}, headers=HX
    )
    assert r.status_code == 200 and "blade-drawing" in r.text
    bad = web.post(
        "/maintenance/equipment/PC-SAW-01/documents",
        files={"file": ("run.bat", b"echo", "text/plain")},
        data={"kind": "other"},
        headers=HX,
    )
    assert bad.status_code == 422 and "<code>file</code>" in bad.text and "blade-drawing" in bad.text
    with runtime.transaction() as s:
        [doc] = docs.list_documents(s, tenant.company_id, "equipment", "PC-SAW-01")
        doc_id = doc.id
    opened = web.get(f"/documents/{doc_id}")
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline")
    other = TestClient(app)
    web_login(other, other_tenant)
    assert other.get(f"/documents/{doc_id}").status_code == 404
    assert "blade-drawing" not in other.get("/maintenance/equipment/PC-SAW-01").text


def test_an_order_is_started_and_completed_from_its_page(runtime: Runtime, app: Any, tenant: Tenant) -> None:
    build_plant(tenant)
    order = tenant.ok(
        tenant.post(
            "/maintenance/orders",
            {
                "equipment": "EB-01",
                "description": "엣지밴더 접착제 누유",
                "checklist": ["누유 부위 확인", "히터 점검"],
            },
        ),
        201,
    )
    code = order["code"]
    web = TestClient(app)
    web_login(web, tenant)
    page = web.get(f"/maintenance/orders/{code}")
    assert page.status_code == 200 and "작업 시작" in page.text
    r = web.post(f"/maintenance/orders/{code}/actions/start", headers=HX)
    assert r.status_code == 200 and "작업을 시작했습니다" in r.text
    r = web.post(f"/maintenance/orders/{code}/actions/start", headers=HX)
    assert r.status_code == 409  # only an open order starts
    r = web.post(
        f"/maintenance/orders/{code}/actions/complete",
        data={"labour_minutes": "35", "checked": ["0"]},
        headers=HX,
    )
    assert r.status_code == 409 and "히터 점검" in r.text  # the unticked item is named
    r = web.post(
        f"/maintenance/orders/{code}/actions/complete",
        data={"labour_minutes": "many", "checked": ["0", "1"]},
        headers=HX,
    )
    assert r.status_code == 422 and "labour_minutes" in r.text
    r = web.post(
        f"/maintenance/orders/{code}/actions/complete",
        data={"labour_minutes": "35", "checked": ["0", "1"]},
        headers=HX,
    )
    assert r.status_code == 200 and "보전 작업을 완료했습니다" in r.text
    assert tenant.ok(tenant.get(f"/maintenance/orders/{code}"))["status"] == "done"
    with runtime.transaction() as s:
        kinds = list(
            s.scalars(
                select(Event.type).where(
                    Event.company_id == tenant.company_id, Event.type == "maintenance.completed"
                )
            )
        )
    assert kinds == ["maintenance.completed"]
    history = web.get("/maintenance/equipment/EB-01").text
    assert code in history
