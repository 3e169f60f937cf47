"""Asset Administration Shells: built from the plant, exported as AASX and JSON, read back strictly with
the BaSyx SDK, and served over the AAS HTTP API (IDTA Part 2 paths)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from basyx.aas import model
from basyx.aas.adapter.json import read_aas_json_file
from tests.conftest import Tenant
from tests.twin.conftest import EQ, TAGS, Plant, now_after
from typer.testing import CliRunner

from jejo.core.runtime import Runtime
from jejo.twin import aas


def b64(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def _element(sm: model.Submodel, path: str) -> Any:
    obj: Any = sm
    for part in path.split("."):
        obj = obj.get_referable(part)
    return obj


def test_aasx_round_trip_for_a_machine_with_telemetry(runtime: Runtime, plant: Plant) -> None:
    with runtime.transaction() as s:
        data = aas.export_aasx(s, plant.company_id, [EQ], now=now_after())
    assert data[:2] == b"PK"
    store = aas.read_aasx(data)  # strict: any defect raises
    ids = aas.Ids(plant.code, EQ)
    shell = store.get_item(ids.shell)
    assert isinstance(shell, model.AssetAdministrationShell)
    assert shell.asset_information.global_asset_id == ids.asset
    assert {r.key[0].value for r in shell.submodel} == {ids.submodel(n) for n in aas.SUBMODELS}
    assert {a.name: a.value for a in shell.asset_information.specific_asset_id} == {
        "equipmentCode": EQ,
        "serialNumber": "SN-4711",
    }

    np_ = store.get_item(ids.submodel("Nameplate"))
    assert isinstance(np_, model.Submodel)
    assert np_.semantic_id is not None and np_.semantic_id.key[0].value == aas.NAMEPLATE
    assert _element(np_, "ManufacturerName").value["en"] == "Holzma"
    serial = _element(np_, "SerialNumber")
    assert serial.value == "SN-4711"
    assert serial.semantic_id.key[0].value == "0173-1#02-AAM556#002"
    assert _element(np_, "ManufacturerProductType").value == "HPP 300"

    td = store.get_item(ids.submodel("TechnicalData"))
    assert isinstance(td, model.Submodel)
    assert _element(td, "TechnicalProperties.IdealCycleTime").value == 55.0
    assert _element(td, "TechnicalProperties.WorkCenter").value == "WC-SAW"

    ts = store.get_item(ids.submodel("TimeSeries"))
    assert isinstance(ts, model.Submodel)
    assert ts.semantic_id is not None and ts.semantic_id.key[0].value == aas.TIME_SERIES
    variables = {e.id_short for e in _element(ts, "Metadata.Record")}
    assert variables == {"Time", *(aas._id_short(t) for t in TAGS)}
    seg = _element(ts, "Segments.Internal_PC-SAW-01_spindle_temp")
    assert seg.semantic_id.key[0].value == aas.TS["InternalSegment"]
    assert _element(ts, "Segments.Internal_PC-SAW-01_spindle_temp.RecordCount").value == aas.INTERNAL_RECORDS
    records = list(_element(ts, "Segments.Internal_PC-SAW-01_spindle_temp.Records"))
    assert len(records) == aas.INTERNAL_RECORDS
    # the newest sample is the last cycle's temperature, as written by the ingest
    from tests.twin.conftest import CYCLES, temp_of

    last = records[-1].get_referable("PC-SAW-01_spindle_temp").value
    assert last == temp_of(CYCLES - 1)
    link = _element(ts, "Segments.Linked_PC-SAW-01_spindle_temp.Endpoint").value
    assert link.endswith("/PC-SAW-01.spindle_temp")

    op = store.get_item(ids.submodel("OperationalData"))
    assert isinstance(op, model.Submodel)
    assert _element(op, "State").value == "running"
    assert _element(op, "CurrentWorkOrder").value is None or isinstance(
        _element(op, "CurrentWorkOrder").value, str
    )
    assert _element(op, "Kpi.ProducedQuantity").value == 120.0
    assert _element(op, "Kpi.ScrapQuantity").value == plant.scrap_cycles
    qr = _element(op, "Kpi.quality_ratio").value
    assert abs(qr - plant.good_cycles / 120) < 1e-9
    avail = _element(op, "Kpi.availability").value
    assert 0 < avail < 1  # the breakdown cost availability


def test_json_export_reads_back_with_the_sdk(runtime: Runtime, plant: Plant) -> None:
    with runtime.transaction() as s:
        data = aas.export_json(s, plant.company_id, now=now_after())
    env = json.loads(data)
    assert {x["id"] for x in env["assetAdministrationShells"]} == {
        aas.Ids(plant.code, e).shell for e in ("ASM-01", "EB-01", "PC-SAW-01")
    }
    assert len(env["submodels"]) == 3 * len(aas.SUBMODELS)
    store = read_aas_json_file(io.StringIO(data.decode()), failsafe=False)
    assert len(store) == 3 + 3 * len(aas.SUBMODELS)


def test_aas_http_api_answers_the_part2_paths(
    runtime: Runtime, plant: Plant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the API reads the KPIs of the seven days before the server's clock: set that clock to just after
    # the plant's two hours of machine data, so the answer does not depend on the day the test runs
    monkeypatch.setattr(aas, "utcnow", now_after)
    t = plant.tenant
    c, h = t.client, t.headers
    ids = aas.Ids(plant.code, EQ)

    assert c.get("/api/aas/shells").status_code == 401  # token auth like the rest of the API
    r = c.get("/api/aas/shells", params={"limit": 2}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["idShort"] for s in body["result"]] == ["ASM-01", "EB-01"]
    cursor = body["paging_metadata"]["cursor"]
    r = c.get("/api/aas/shells", params={"limit": 2, "cursor": cursor}, headers=h).json()
    assert [s["id"] for s in r["result"]] == [ids.shell]
    assert "cursor" not in r["paging_metadata"]
    assert c.get("/api/aas/shells", params={"idShort": EQ}, headers=h).json()["result"][0]["id"] == ids.shell

    shell = c.get(f"/api/aas/shells/{b64(ids.shell)}", headers=h)
    assert shell.status_code == 200
    assert shell.json()["assetInformation"]["globalAssetId"] == ids.asset
    assert shell.json()["modelType"] == "AssetAdministrationShell"
    info = c.get(f"/api/aas/shells/{b64(ids.shell)}/asset-information", headers=h).json()
    assert info["assetKind"] == "Instance"

    refs = c.get(f"/api/aas/shells/{b64(ids.shell)}/submodel-refs", headers=h).json()
    assert {x["keys"][0]["value"] for x in refs["result"]} == {ids.submodel(n) for n in aas.SUBMODELS}
    assert all(x["type"] == "ModelReference" for x in refs["result"])

    sm = c.get(f"/api/aas/submodels/{b64(ids.submodel('Nameplate'))}", headers=h).json()
    assert sm["semanticId"]["keys"][0]["value"] == aas.NAMEPLATE
    serial = c.get(
        f"/api/aas/submodels/{b64(ids.submodel('Nameplate'))}/submodel-elements/SerialNumber", headers=h
    )
    assert serial.status_code == 200 and serial.json()["value"] == "SN-4711"
    op_id = b64(ids.submodel("OperationalData"))
    produced = c.get(f"/api/aas/submodels/{op_id}/submodel-elements/Kpi.ProducedQuantity", headers=h).json()
    assert float(produced["value"]) == 120.0
    elements = c.get(f"/api/aas/submodels/{op_id}/submodel-elements", params={"limit": 2}, headers=h).json()
    assert [e["idShort"] for e in elements["result"]] == ["State", "StateSince"]
    assert elements["paging_metadata"]["cursor"]
    via_shell = c.get(f"/api/aas/shells/{b64(ids.shell)}/submodels/{op_id}", headers=h)
    assert via_shell.status_code == 200

    ts_sem = base64.urlsafe_b64encode(aas.TIME_SERIES.encode()).decode()
    series = c.get("/api/aas/submodels", params={"semanticId": ts_sem}, headers=h).json()["result"]
    assert len(series) == 3 and all(s["idShort"] == "TimeSeries" for s in series)
    all_sm = c.get("/api/aas/submodels", params={"limit": 5}, headers=h).json()
    assert len(all_sm["result"]) == 5 and all_sm["paging_metadata"]["cursor"] == "5"

    # the linked segment's endpoint answers the tag's history
    ts_id = b64(ids.submodel("TimeSeries"))
    link = c.get(
        f"/api/aas/submodels/{ts_id}/submodel-elements/Segments.Linked_PC-SAW-01_load.Endpoint", headers=h
    ).json()["value"]
    assert link.startswith("http://testserver/api/v1/twin/timeseries/")
    hist = c.get(
        link.replace("http://testserver", ""),
        params={"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"},
        headers=h,
    )
    assert hist.status_code == 200 and len(hist.json()["samples"]) == 120

    # errors are Part 2 result objects; other companies' shells are unknown ones
    missing = c.get(f"/api/aas/shells/{b64('urn:jejo:nope:aas:X')}", headers=h)
    assert missing.status_code == 404 and missing.json()["messages"][0]["messageType"] == "Error"
    assert c.get("/api/aas/shells/%%%", headers=h).status_code in (400, 404)
    assert c.get(f"/api/aas/shells/{b64(ids.shell)}", headers=other_tenant.headers).status_code == 404
    assert c.get(f"/api/aas/submodels/{op_id}/submodel-elements/Kpi.nothing", headers=h).status_code == 404
    assert c.get("/api/aas/description", headers=h).json()["profiles"]


def test_downloads_and_cli(
    runtime: Runtime, plant: Plant, other_tenant: Tenant, tmp_path: Any, cli_env: dict[str, str]
) -> None:
    t = plant.tenant
    empty = other_tenant.get("/twin/aas.aasx")  # a company without machines gets an empty package
    assert empty.status_code == 200 and len(aas.read_aasx(empty.content)) == 0
    r = t.get(f"/twin/aas.aasx?equipment={EQ}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/asset-administration-shell"
    )
    assert aas.read_aasx(r.content).get_item(aas.Ids(plant.code, EQ).shell) is not None
    assert t.get("/twin/aas.aasx?equipment=NOPE").status_code == 404
    env = t.get(f"/twin/aas.json?equipment={EQ}").json()
    assert [s["id"] for s in env["assetAdministrationShells"]] == [aas.Ids(plant.code, EQ).shell]

    from jejo.cli import app as cli

    out = tmp_path / "saw.aasx"
    res = CliRunner().invoke(
        cli,
        ["twin", "aas", "export", "--company", plant.code, "--equipment", EQ, "--out", str(out), "--json"],
        env=cli_env,
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["shells"] == 1
    store = aas.read_aasx(out)
    assert isinstance(store.get_item(aas.Ids(plant.code, EQ).submodel("TimeSeries")), model.Submodel)
