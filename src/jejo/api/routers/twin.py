"""Digital twin and data standards: AASX / AAS JSON downloads per machine, B2MML export and import,
KAMP-convention datasets (export with the firm's consent, the record of exports), and the raw samples
of a telemetry tag (what the AAS Time Series submodel links to)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from jejo.api.deps import DB, Caller, require, runtime
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.timeutil import as_utc, utcnow
from jejo.kpi.timeelements import Period
from jejo.telemetry import store
from jejo.twin import aas, b2mml, datasets

router = APIRouter(tags=["twin"])

AASX = "application/asset-administration-shell-package+xml"
XML = "application/xml"


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in code)


EquipmentQ = Query(None, description="Equipment code (repeat for several); every machine by default")


@router.get("/twin/aas.aasx", response_class=Response)
def aasx_download(caller: Caller, session: DB, equipment: list[str] | None = EquipmentQ) -> Response:
    """Shells and submodels (Nameplate, Technical Data, Time Series, Operational Data) as an AASX package."""
    name = _safe(equipment[0]) if equipment and len(equipment) == 1 else "jejo-aas"
    return _attachment(aas.export_aasx(session, caller.company_id, equipment or None), f"{name}.aasx", AASX)


@router.get("/twin/aas.json")
def aas_json_download(caller: Caller, session: DB, equipment: list[str] | None = EquipmentQ) -> Response:
    """The same shells as the AAS JSON environment."""
    name = _safe(equipment[0]) if equipment and len(equipment) == 1 else "jejo-aas"
    data = aas.export_json(session, caller.company_id, equipment or None)
    return _attachment(data, f"{name}.aas.json", "application/json")


@router.get("/twin/b2mml.xml", response_class=Response)
def b2mml_export(
    caller: Caller,
    session: DB,
    kind: Literal["equipment", "material", "schedule", "performance"] = Query("equipment"),
) -> Response:
    """One B2MML document: equipment, material (definitions and lots), schedule (work orders as an
    operations schedule) or performance (operations responses)."""
    return _attachment(b2mml.export(session, caller.company_id, kind), f"b2mml-{kind}.xml", XML)


@router.post("/twin/b2mml", dependencies=[require("masterdata:write"), require("workorders:write")])
async def b2mml_import(request: Request, caller: Caller, session: DB) -> dict[str, Any]:
    """Import one B2MML document (the XML as the request body); all or nothing."""
    data = await request.body()
    if not data:
        raise ValidationError(
            "empty request", [Problem(reason="send the B2MML document as the body", field="body")]
        )
    if len(data) > 50_000_000:
        raise ValidationError("document too large", [Problem(reason="at most 50 MB", field="body")])
    return b2mml.import_document(session, caller.company_id, data, actor=caller.name).as_dict()


class DatasetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    scope: Literal["equipment", "work_center", "line"] = "equipment"
    code: str = Field(min_length=1, max_length=64)
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    sampling: Literal["cycle", "time"] = "cycle"
    step_s: float = Field(default=60.0, ge=1, le=86_400)
    consent_by: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=500)
    recipient: str | None = Field(default=None, max_length=200)
    anonymise: bool = False


def firm_key(request: Request, company_code: str) -> bytes:
    return datasets.firm_key(runtime(request).settings.effective_secret_key(), company_code)


@router.post("/twin/datasets", response_class=Response, dependencies=[require("masterdata:write")])
def dataset_export(body: DatasetIn, request: Request, caller: Caller, session: DB) -> Response:
    """A KAMP-convention dataset (CSV + data description, zipped). The consent is recorded first."""
    from jejo.core.tenancy import Company

    company = session.get(Company, caller.company_id)
    assert company is not None
    ds = datasets.export_dataset(
        session,
        caller.company_id,
        scope=body.scope,
        code=body.code,
        period=_period(body.start, body.end),
        consent=datasets.Consent(body.consent_by, body.purpose, body.recipient),
        actor=caller.name,
        sampling=body.sampling,
        step_s=body.step_s,
        key=firm_key(request, company.code) if body.anonymise else None,
    )
    name = f"{ds.description['scope']['code']}-{body.sampling}"
    return _attachment(datasets.bundle(ds, _safe(name)), f"{_safe(name)}.zip", "application/zip")


@router.get("/twin/datasets")
def dataset_exports(caller: Caller, session: DB) -> list[dict[str, Any]]:
    """The record of dataset exports (newest first): who consented, for what, what left."""
    return [datasets.export_out(r) for r in datasets.list_exports(session, caller.company_id)]


def _period(start: datetime, end: datetime) -> Period:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError(
            "times need a zone", [Problem(reason="e.g. 2026-11-20T00:00:00+09:00", field="from")]
        )
    if end <= start:
        raise ValidationError("empty period", [Problem(reason="'to' must be after 'from'", field="to")])
    return Period(as_utc(start), as_utc(end))


@router.get("/twin/timeseries/{tag:path}")
def timeseries(
    tag: str,
    caller: Caller,
    session: DB,
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
    limit: int = Query(10_000, ge=1, le=100_000),
) -> dict[str, Any]:
    """Raw samples of one tag (default: the last 24 hours), the history an AAS Time Series links to."""
    end = as_utc(end) if end else utcnow()
    start = as_utc(start) if start else end - timedelta(days=1)
    if store.tag_id(session, caller.company_id, tag) is None:
        raise NotFound(f"tag {tag} not found")
    points = store.raw_range(session, caller.company_id, tag, start, end, limit)
    return {
        "tag": tag,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "samples": [{"ts": as_utc(p.ts).isoformat(), "value": p.value} for p in points],
    }
