"""B2MML: the documents follow the B2MML element names, nesting and order, and a company's equipment,
materials and lots, work orders and production performance round-trip into another company."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import Tenant
from tests.twin.conftest import EQ, T0, Plant
from typer.testing import CliRunner

from jejo.core.errors import ValidationError
from jejo.core.runtime import Runtime
from jejo.execution.tables import Event, WorkOrder
from jejo.twin import b2mml

NOW = datetime.fromisoformat("2026-11-21T00:00:00+00:00")
N = {"b": b2mml.NS}


def local(el: ET.Element) -> str:
    return el.tag.split("}", 1)[1]


def children(el: ET.Element) -> list[str]:
    return [local(c) for c in el]


def _add_stock_and_second_order(t: Tenant) -> None:
    ok = t.ok
    ok(
        t.post(
            "/events/batch",
            {
                "events": [
                    {
                        "type": "inventory.received",
                        "occurred_at": (T0 - timedelta(days=1)).isoformat(),
                        "payload": {"item": "PB-18", "lot": "LOT-PB-1", "quantity": 50, "location": "WH-RAW"},
                    },
                    {
                        "type": "inventory.received",
                        "occurred_at": (T0 - timedelta(days=1)).isoformat(),
                        "payload": {"item": "EDGE-1", "lot": "LOT-E-7", "quantity": 30, "location": "WH-RAW"},
                    },
                    {
                        "type": "inventory.received",
                        "occurred_at": (T0 - timedelta(days=1)).isoformat(),
                        "payload": {
                            "item": "EDGE-1",
                            "lot": "LOT-E-7",
                            "quantity": 12.5,
                            "location": "WH-FG",
                        },
                    },
                ]
            },
        ),
        201,
    )
    ok(
        t.post(
            "/work-orders",
            {"code": "WO-TWIN-2", "item": "CAB-600", "quantity": 40, "due_date": "2026-12-04", "priority": 3},
        ),
        201,
    )


def _export_all(runtime: Runtime, company_id: int) -> dict[str, bytes]:
    with runtime.transaction() as s:
        return {k: b2mml.export(s, company_id, k, now=NOW) for k in b2mml.KINDS}


def test_documents_follow_b2mml_structure(runtime: Runtime, plant: Plant) -> None:
    _add_stock_and_second_order(plant.tenant)
    docs = _export_all(runtime, plant.company_id)
    roots = {k: ET.fromstring(v) for k, v in docs.items()}
    for k, root in roots.items():
        assert root.tag == f"{{{b2mml.NS}}}{b2mml.ROOTS[k]}"
        assert children(root)[:3] == ["ID", "Description", "PublishedDate"]
        assert all(
            el.tag.startswith(f"{{{b2mml.NS}}}") for el in root.iter()
        )  # every element in the namespace
        assert docs[k].startswith(b"<?xml version='1.0' encoding='utf-8'?>")

    eq = roots["equipment"]
    path = "b:Equipment/b:Equipment/b:Equipment/b:Equipment/b:Equipment"
    machines = eq.findall(path, N)
    assert sorted(m.findtext("b:ID", namespaces=N) for m in machines) == ["ASM-01", "EB-01", "PC-SAW-01"]
    levels = [
        eq.find("/".join(["b:Equipment"] * i), N).findtext("b:EquipmentLevel", namespaces=N)
        for i in range(1, 6)
    ]
    assert levels == ["Site", "Area", "ProductionLine", "WorkCenter", "WorkUnit"]
    saw = next(m for m in machines if m.findtext("b:ID", namespaces=N) == EQ)
    assert children(saw)[:3] == ["ID", "Description", "EquipmentLevel"]
    props = {
        p.findtext("b:ID", namespaces=N): p.find("b:Value", N) for p in saw.findall("b:EquipmentProperty", N)
    }
    assert props["SerialNumber"].findtext("b:ValueString", namespaces=N) == "SN-4711"
    assert props["IdealCycleTime"].findtext("b:UnitOfMeasure", namespaces=N) == "s"
    zones = [
        e
        for e in eq.findall("b:Equipment", N)
        if e.findtext("b:EquipmentLevel", namespaces=N) == "StorageZone"
    ]
    assert sorted(z.findtext("b:ID", namespaces=N) for z in zones) == ["WH-FG", "WH-RAW"]

    mat = roots["material"]
    assert children(mat).index("MaterialDefinition") < children(mat).index("MaterialLot")
    cab = next(
        d for d in mat.findall("b:MaterialDefinition", N) if d.findtext("b:ID", namespaces=N) == "CAB-600"
    )
    assert cab.findtext("b:MaterialClassID", namespaces=N) == "finished"
    lot = next(x for x in mat.findall("b:MaterialLot", N) if x.findtext("b:ID", namespaces=N) == "LOT-E-7")
    assert children(lot) == [
        "ID",
        "MaterialDefinitionID",
        "Status",
        "MaterialLotProperty",
        "Quantity",
        "MaterialSubLot",
        "MaterialSubLot",
    ]
    assert lot.findtext("b:Quantity/b:QuantityString", namespaces=N) == "42.5"
    assert lot.findtext("b:Quantity/b:UnitOfMeasure", namespaces=N) == "m"

    sch = roots["schedule"]
    req = {r.findtext("b:ID", namespaces=N): r for r in sch.findall("b:OperationsRequest", N)}
    assert set(req) == {"WO-TWIN-1", "WO-TWIN-2"}
    r1 = req["WO-TWIN-1"]
    assert children(r1) == [
        "ID",
        "Description",
        "OperationsType",
        "StartTime",
        "EndTime",
        "Priority",
        "SegmentRequirement",
        "SegmentRequirement",
        "SegmentRequirement",
        "RequestState",
    ]
    assert r1.findtext("b:RequestState", namespaces=N) == "Running"
    assert req["WO-TWIN-2"].findtext("b:RequestState", namespaces=N) == "Forecast"
    seg = r1.find("b:SegmentRequirement", N)
    assert seg.findtext("b:EquipmentRequirement/b:EquipmentID", namespaces=N) == "WC-SAW"
    uses = [m.findtext("b:MaterialUse", namespaces=N) for m in seg.findall("b:MaterialRequirement", N)]
    assert uses == ["Consumed", "Consumed", "Produced"]
    assert r1.findtext("b:EndTime", namespaces=N) == "2026-11-30T14:59:59.000Z"  # end of the due day in Seoul

    perf = roots["performance"]
    resp = perf.findall("b:OperationsResponse", N)
    assert [r.findtext("b:ID", namespaces=N) for r in resp] == [
        "WO-TWIN-1"
    ]  # the planned order has no work yet
    sr = resp[0].find("b:SegmentResponse", N)
    assert sr.findtext("b:EquipmentActual/b:EquipmentID", namespaces=N) == EQ
    totals = {
        x.findtext("b:Key", namespaces=N): float(x.findtext("b:QuantityString", namespaces=N))
        for x in sr.findall("b:MaterialActual/b:Quantity", N)
    }
    assert totals == {"Good": plant.good_cycles, "Scrap": plant.scrap_cycles, "Rework": 0.0}
    nested = sr.findall("b:SegmentResponse", N)
    assert len(nested) == 1 + 120  # started + one report per cycle
    kinds = [n.find("b:SegmentData/b:Value/b:ValueString", N).text for n in nested]
    assert kinds[0] == "operation.started" and set(kinds[1:]) == {"quantity.reported"}
    assert children(nested[1]) == [
        "ID",
        "OperationsType",
        "ActualStartTime",
        "ActualEndTime",
        "SegmentState",
        "SegmentData",
        "EquipmentActual",
        "MaterialActual",
    ]


def test_round_trip_into_another_company(runtime: Runtime, plant: Plant, other_tenant: Tenant) -> None:
    _add_stock_and_second_order(plant.tenant)
    before = _export_all(runtime, plant.company_id)
    b = other_tenant
    # reason codes are the company's own vocabulary (B2MML has no document for them)
    b.ok(
        b.post(
            "/masterdata/reason-codes",
            {"code": "SC-DIM", "name": "치수 불량", "category": "scrap", "oee_loss": "quality"},
        ),
        201,
    )

    # the performance needs its work orders: refused as a whole, nothing saved
    r = b.client.post(
        "/api/v1/twin/b2mml",
        content=before["performance"],
        headers={**b.headers, "Content-Type": "application/xml"},
    )
    assert r.status_code == 422, r.text
    assert any("OperationsResponse[WO-TWIN-1]" in e["field"] for e in r.json()["errors"])

    for kind in b2mml.KINDS:  # in the API, one document per request
        r = b.client.post(
            "/api/v1/twin/b2mml",
            content=before[kind],
            headers={**b.headers, "Content-Type": "application/xml"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["document"] == kind
    with runtime.transaction() as s:
        from jejo.core.tenancy import Company

        b_id = s.scalar(select(Company.id).where(Company.code == b.code))
    assert b_id is not None
    after = _export_all(runtime, b_id)
    for kind in b2mml.KINDS:
        assert after[kind] == before[kind], kind
    wo_a = plant.tenant.ok(plant.tenant.get("/work-orders/WO-TWIN-1"))
    wo_b = b.ok(b.get("/work-orders/WO-TWIN-1"))
    assert wo_b["status"] == "in_progress"
    assert wo_b["created_at"][:23] == wo_a["created_at"][:23]  # B2MML times carry milliseconds
    same = {k: v for k, v in wo_a.items() if k not in ("id", "created_at")}
    assert {k: v for k, v in wo_b.items() if k not in ("id", "created_at")} == same

    # importing again adds nothing
    with runtime.transaction() as s:
        n_before = s.scalar(select(func.count()).select_from(Event).where(Event.company_id == b_id))
        for kind in b2mml.KINDS:
            b2mml.import_document(s, b_id, before[kind])
        assert s.scalar(select(func.count()).select_from(Event).where(Event.company_id == b_id)) == n_before
        assert s.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.company_id == b_id)) == 2


def test_bad_documents_are_refused_with_the_element_named(runtime: Runtime, tenant: Tenant) -> None:
    with runtime.transaction() as s:
        from jejo.core.tenancy import Company

        cid = s.scalar(select(Company.id).where(Company.code == tenant.code))
        with pytest.raises(ValidationError, match="DTD"):
            b2mml.import_document(s, cid, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
        with pytest.raises(ValidationError, match="not a B2MML"):
            b2mml.import_document(s, cid, b"<EquipmentInformation/>")
        doc = f"""<b2mml:EquipmentInformation xmlns:b2mml="{b2mml.NS}"><b2mml:ID>x</b2mml:ID>
          <b2mml:Equipment><b2mml:ID>S1</b2mml:ID><b2mml:EquipmentLevel>Site</b2mml:EquipmentLevel>
            <b2mml:Equipment><b2mml:ID>M1</b2mml:ID><b2mml:EquipmentLevel>WorkUnit</b2mml:EquipmentLevel></b2mml:Equipment>
            <b2mml:Equipment><b2mml:ID>Q1</b2mml:ID><b2mml:EquipmentLevel>Galaxy</b2mml:EquipmentLevel></b2mml:Equipment>
          </b2mml:Equipment></b2mml:EquipmentInformation>""".encode()
        with pytest.raises(ValidationError) as err:
            b2mml.import_document(s, cid, doc)
        fields = {p.field for p in err.value.problems}
        assert fields == {
            "Equipment[S1].Equipment[M1].EquipmentLevel",
            "Equipment[S1].Equipment[Q1].EquipmentLevel",
        }
        from jejo.masterdata.tables import Site

        assert s.scalar(select(func.count()).select_from(Site).where(Site.company_id == cid)) == 0


def test_cli_export_and_import(
    runtime: Runtime, plant: Plant, other_tenant: Tenant, tmp_path: Any, cli_env: dict[str, str]
) -> None:
    from jejo.cli import app as cli

    env = cli_env
    res = CliRunner().invoke(
        cli, ["twin", "b2mml", "export", "--company", plant.code, "--out", str(tmp_path), "--json"], env=env
    )
    assert res.exit_code == 0, res.output
    files = sorted(tmp_path.glob("b2mml-*.xml"))
    assert len(files) == 4
    other_tenant.ok(
        other_tenant.post(
            "/masterdata/reason-codes",
            {"code": "SC-DIM", "name": "치수", "category": "scrap", "oee_loss": "quality"},
        ),
        201,
    )
    res = CliRunner().invoke(
        cli, ["twin", "b2mml", "import", *map(str, files), "--company", other_tenant.code, "--json"], env=env
    )
    assert res.exit_code == 0, res.output
    assert other_tenant.ok(other_tenant.get("/work-orders/WO-TWIN-1"))["status"] == "in_progress"
    assert len(res.stdout.strip().splitlines()) == 1
