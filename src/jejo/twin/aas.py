"""Asset Administration Shells (IDTA / IEC 63278) for every equipment record, with the Eclipse BaSyx
Python SDK's data model.

Each machine gets one shell and four submodels:

- ``Nameplate``: IDTA 02006-2-0 Digital Nameplate (manufacturer, product designation and type, serial
  number), with the standard's semantic ids;
- ``TechnicalData``: IDTA 02003-1-2 Technical Data (general information, technical properties such as
  the ideal cycle time, the machine's place in the plant);
- ``TimeSeries``: IDTA 02008-1-1 Time Series Data: one variable per telemetry tag of the machine, an
  internal segment with the newest samples and a linked segment pointing at jejo's time-series API
  (where the rest of the history lives);
- ``OperationalData``: jejo's operational submodel: the machine's current state and its ISO 22400 KPIs
  over a trailing period (computed by :mod:`jejo.kpi`).

Identifiers are URNs built from the company and equipment codes
(``urn:jejo:<company>:aas:<equipment>``), so exporting twice gives the same ids. Storage is UTC and SI:
times are ``xs:dateTime`` in UTC, durations in seconds.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter.json import json_serialization
from basyx.aas.model import datatypes
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo import __version__
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.lookup import get_by_code, list_by_code
from jejo.core.tenancy import Company
from jejo.core.timeutil import as_utc, utcnow
from jejo.execution.tables import MachineState, WorkOrder
from jejo.kpi import iso22400
from jejo.kpi import service as kpi_service
from jejo.kpi.timeelements import Period
from jejo.masterdata.tables import Area, Equipment, Line, Site, WorkCenter
from jejo.telemetry.tables import TsLast, TsSample, TsTag

# ---- semantic ids -------------------------------------------------------------------------------

NAMEPLATE = "https://admin-shell.io/zvei/nameplate/2/0/Nameplate"
TECHNICAL_DATA = "https://admin-shell.io/ZVEI/TechnicalData/Submodel/1/2"
TIME_SERIES = "https://admin-shell.io/idta/TimeSeries/1/1"
OPERATIONAL = "urn:jejo:semantic:OperationalData:1:0"

#: IDTA 02006-2-0 (ECLASS IRDIs where the template uses them)
NP = {
    "URIOfTheProduct": "0173-1#02-AAY811#001",
    "ManufacturerName": "0173-1#02-AAO677#002",
    "ManufacturerProductDesignation": "0173-1#02-AAW338#001",
    "ManufacturerProductFamily": "0173-1#02-AAU731#001",
    "ManufacturerProductType": "0173-1#02-AAO057#002",
    "SerialNumber": "0173-1#02-AAM556#002",
    "YearOfConstruction": "0173-1#02-AAP906#001",
}
#: IDTA 02003-1-2
TD = {
    "GeneralInformation": "https://admin-shell.io/ZVEI/TechnicalData/GeneralInformation/1/1",
    "ManufacturerName": "0173-1#02-AAO677#002",
    "ManufacturerProductDesignation": "0173-1#02-AAW338#001",
    "ManufacturerArticleNumber": "0173-1#02-AAO676#003",
    "ProductClassifications": "https://admin-shell.io/ZVEI/TechnicalData/ProductClassifications/1/1",
    "TechnicalProperties": "https://admin-shell.io/ZVEI/TechnicalData/TechnicalProperties/1/1",
    "FurtherInformation": "https://admin-shell.io/ZVEI/TechnicalData/FurtherInformation/1/1",
    "ValidDate": "https://admin-shell.io/ZVEI/TechnicalData/ValidDate/1/1",
    "TextStatement": "https://admin-shell.io/ZVEI/TechnicalData/TextStatement/1/1",
}
#: IDTA 02008-1-1
TS = {
    "Metadata": "https://admin-shell.io/idta/TimeSeries/Metadata/1/1",
    "Name": "https://admin-shell.io/idta/TimeSeries/Metadata/Name/1/1",
    "Description": "https://admin-shell.io/idta/TimeSeries/Metadata/Description/1/1",
    "Record": "https://admin-shell.io/idta/TimeSeries/Record/1/1",
    "Records": "https://admin-shell.io/idta/TimeSeries/Records/1/1",
    "Time": "https://admin-shell.io/idta/TimeSeries/UtcTime/1/1",
    "Segments": "https://admin-shell.io/idta/TimeSeries/Segments/1/1",
    "InternalSegment": "https://admin-shell.io/idta/TimeSeries/Segments/InternalSegment/1/1",
    "LinkedSegment": "https://admin-shell.io/idta/TimeSeries/Segments/LinkedSegment/1/1",
    "RecordCount": "https://admin-shell.io/idta/TimeSeries/Segment/RecordCount/1/1",
    "StartTime": "https://admin-shell.io/idta/TimeSeries/Segment/StartTime/1/1",
    "EndTime": "https://admin-shell.io/idta/TimeSeries/Segment/EndTime/1/1",
    "Endpoint": "https://admin-shell.io/idta/TimeSeries/Endpoint/1/1",
    "Query": "https://admin-shell.io/idta/TimeSeries/Query/1/1",
}

SUBMODELS = ("Nameplate", "TechnicalData", "TimeSeries", "OperationalData")
#: the KPIs the operational submodel carries (keys of :data:`jejo.kpi.iso22400.CATALOGUE`)
KPIS = ("oee", "availability", "effectiveness", "quality_ratio", "scrap_ratio", "mtbf", "mttr")
INTERNAL_RECORDS = 50  # newest samples per tag kept in the package itself


def _ref(iri: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, iri),))


def _id_short(text: str) -> str:
    """A tag or code as an idShort (letters, digits, ``_`` and ``-``; starts with a letter)."""
    s = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    if not s or not s[0].isalpha():
        s = "T_" + s
    if s.endswith("-"):
        s += "_"
    return s[:128]


def _prop(
    id_short: str, value: Any, value_type: Any = datatypes.String, semantic: str | None = None
) -> model.Property:
    return model.Property(
        id_short,
        value_type,
        value=None if value is None or value == "" else value,
        semantic_id=_ref(semantic) if semantic else None,
    )


def _mlp(id_short: str, text: str | None, semantic: str | None = None) -> model.MultiLanguageProperty:
    return model.MultiLanguageProperty(
        id_short,
        value=model.MultiLanguageTextType({"en": text}) if text else None,
        semantic_id=_ref(semantic) if semantic else None,
    )


def _smc(id_short: str, elements: Iterable[model.SubmodelElement], semantic: str | None = None) -> Any:
    return model.SubmodelElementCollection(
        id_short, value=list(elements), semantic_id=_ref(semantic) if semantic else None
    )


def _utc(dt: datetime | None) -> datetime | None:
    return as_utc(dt).replace(microsecond=(as_utc(dt).microsecond // 1000) * 1000) if dt else None


# ---- identifiers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ids:
    """The identifiers of one machine's shell, asset and submodels."""

    company: str
    equipment: str

    @property
    def shell(self) -> str:
        return f"urn:jejo:{self.company}:aas:{self.equipment}"

    @property
    def asset(self) -> str:
        return f"urn:jejo:{self.company}:asset:{self.equipment}"

    def submodel(self, name: str) -> str:
        return f"urn:jejo:{self.company}:sm:{self.equipment}:{name}"


def parse_id(identifier: str) -> tuple[str, str, str | None]:
    """``(company, equipment, submodel name or None)`` of an id made by :class:`Ids`; else NotFound."""
    m = re.fullmatch(r"urn:jejo:([^:]+):(aas|sm):(.+?)(?::([A-Za-z]+))?", identifier)
    if not m or (m.group(2) == "sm" and m.group(4) not in SUBMODELS):
        raise NotFound(f"no shell or submodel with id {identifier!r}")
    if m.group(2) == "aas":
        return m.group(1), identifier.split(":aas:", 1)[1], None
    return m.group(1), m.group(3), m.group(4)


# ---- building -----------------------------------------------------------------------------------


@dataclass
class Machine:
    """What the shell is made of, loaded once."""

    company: Company
    equipment: Equipment
    work_center: WorkCenter
    line: Line
    site: Site

    @property
    def ids(self) -> Ids:
        return Ids(self.company.code, self.equipment.code)


def _machine(session: Session, company_id: int, eq: Equipment) -> Machine:
    company = session.get(Company, company_id)
    assert company is not None
    wc = eq.work_center
    line = wc.line
    area = session.get(Area, line.area_id)
    assert area is not None
    return Machine(company, eq, wc, line, area.site)


def load_machine(session: Session, company_id: int, code: str) -> Machine:
    return _machine(session, company_id, get_by_code(session, Equipment, company_id, code, "equipment"))


def machines(session: Session, company_id: int) -> list[Machine]:
    return [_machine(session, company_id, e) for e in list_by_code(session, Equipment, company_id)]


def build_shell(m: Machine) -> model.AssetAdministrationShell:
    ids = m.ids
    eq = m.equipment
    specific = [model.SpecificAssetId("equipmentCode", eq.code)]
    if eq.serial_number:
        specific.append(model.SpecificAssetId("serialNumber", eq.serial_number))
    return model.AssetAdministrationShell(
        asset_information=model.AssetInformation(
            asset_kind=model.AssetKind.INSTANCE, global_asset_id=ids.asset, specific_asset_id=specific
        ),
        id_=ids.shell,
        id_short=_id_short(eq.code),
        description=model.MultiLanguageTextType({"ko": eq.name, "en": eq.name}),
        administration=model.AdministrativeInformation(version="1", revision="0"),
        submodel={
            model.ModelReference((model.Key(model.KeyTypes.SUBMODEL, ids.submodel(n)),), model.Submodel)
            for n in SUBMODELS
        },
    )


def nameplate(m: Machine) -> model.Submodel:
    eq = m.equipment
    return model.Submodel(
        m.ids.submodel("Nameplate"),
        id_short="Nameplate",
        semantic_id=_ref(NAMEPLATE),
        submodel_element=[
            _prop("URIOfTheProduct", m.ids.asset, datatypes.String, NP["URIOfTheProduct"]),
            _mlp("ManufacturerName", eq.manufacturer, NP["ManufacturerName"]),
            _mlp("ManufacturerProductDesignation", eq.name, NP["ManufacturerProductDesignation"]),
            _prop("ManufacturerProductType", eq.model, datatypes.String, NP["ManufacturerProductType"]),
            _prop("SerialNumber", eq.serial_number, datatypes.String, NP["SerialNumber"]),
        ],
    )


def technical_data(m: Machine, valid: datetime) -> model.Submodel:
    eq = m.equipment
    return model.Submodel(
        m.ids.submodel("TechnicalData"),
        id_short="TechnicalData",
        semantic_id=_ref(TECHNICAL_DATA),
        submodel_element=[
            _smc(
                "GeneralInformation",
                [
                    _prop("ManufacturerName", eq.manufacturer, datatypes.String, TD["ManufacturerName"]),
                    _mlp("ManufacturerProductDesignation", eq.name, TD["ManufacturerProductDesignation"]),
                    _prop(
                        "ManufacturerArticleNumber",
                        eq.model,
                        datatypes.String,
                        TD["ManufacturerArticleNumber"],
                    ),
                ],
                TD["GeneralInformation"],
            ),
            _smc("ProductClassifications", [], TD["ProductClassifications"]),
            _smc(
                "TechnicalProperties",
                [
                    _prop(
                        "IdealCycleTime",
                        eq.ideal_cycle_time_s,
                        datatypes.Double,
                        "urn:jejo:semantic:IdealCycleTime:s",
                    ),
                    _prop("EquipmentCode", eq.code),
                    _prop("WorkCenter", m.work_center.code),
                    _prop("Line", m.line.code),
                    _prop("Site", m.site.code),
                ],
                TD["TechnicalProperties"],
            ),
            _smc(
                "FurtherInformation",
                [
                    _mlp(
                        "TextStatement01",
                        f"Exported by jejo {__version__} from the plant's master data",
                        TD["TextStatement"],
                    ),
                    _prop("ValidDate", valid.date(), datatypes.Date, TD["ValidDate"]),
                ],
                TD["FurtherInformation"],
            ),
        ],
    )


def _tags(session: Session, company_id: int, equipment: str) -> list[TsTag]:
    return list(
        session.scalars(
            select(TsTag)
            .where(TsTag.company_id == company_id, TsTag.equipment_code == equipment)
            .order_by(TsTag.code)
        )
    )


def time_series(
    session: Session,
    m: Machine,
    *,
    endpoint: str = "/api/v1/twin/timeseries",
    records: int = INTERNAL_RECORDS,
) -> model.Submodel:
    """Time Series Data: one record variable per tag; the newest ``records`` samples inside, the rest
    linked (``Endpoint`` + ``Query``) to jejo's time-series table ``ts_samples``."""
    cid = m.company.id
    tags = _tags(session, cid, m.equipment.code)
    variables: list[model.SubmodelElement] = [_prop("Time", None, datatypes.DateTime, TS["Time"])]
    for t in tags:
        p = _prop(_id_short(t.code), None, datatypes.Double if t.role != "state" else datatypes.String)
        p.description = model.MultiLanguageTextType(
            {"en": f"tag {t.code}" + (f" [{t.unit}]" if t.unit else "")}
        )
        variables.append(p)
    segments: list[model.SubmodelElement] = []
    for t in tags:
        rows = list(
            session.execute(
                select(TsSample.ts, TsSample.value, TsSample.text)
                .where(TsSample.tag_id == t.id)
                .order_by(TsSample.ts.desc())
                .limit(records)
            )
        )[::-1]
        newest = session.scalar(select(TsLast.ts).where(TsLast.tag_id == t.id))
        recs: list[model.SubmodelElement] = []
        for i, (ts, value, text) in enumerate(rows):
            v: Any = text if text is not None else value
            vt = datatypes.String if isinstance(v, str) else datatypes.Double
            recs.append(
                _smc(
                    f"Record{i:04d}",
                    [
                        _prop("Time", _utc(ts), datatypes.DateTime, TS["Time"]),
                        _prop(_id_short(t.code), v, vt),
                    ],
                    TS["Record"],
                )
            )
        start = _utc(rows[0][0]) if rows else None
        end = _utc(rows[-1][0]) if rows else _utc(newest)
        name = _id_short(t.code)
        segments.append(
            _smc(
                f"Internal_{name}",
                [
                    _mlp("Name", f"{t.code}: newest samples", TS["Name"]),
                    _prop("RecordCount", len(recs), datatypes.Long, TS["RecordCount"]),
                    _prop("StartTime", start, datatypes.DateTime, TS["StartTime"]),
                    _prop("EndTime", end, datatypes.DateTime, TS["EndTime"]),
                    _smc("Records", recs, TS["Records"]),
                ],
                TS["InternalSegment"],
            )
        )
        segments.append(
            _smc(
                f"Linked_{name}",
                [
                    _mlp("Name", f"{t.code}: full history", TS["Name"]),
                    _prop("Endpoint", f"{endpoint}/{t.code}", datatypes.AnyURI, TS["Endpoint"]),
                    _prop(
                        "Query",
                        f"table=ts_samples;tag={t.code};unit={t.unit or ''}",
                        datatypes.String,
                        TS["Query"],
                    ),
                ],
                TS["LinkedSegment"],
            )
        )
    return model.Submodel(
        m.ids.submodel("TimeSeries"),
        id_short="TimeSeries",
        semantic_id=_ref(TIME_SERIES),
        submodel_element=[
            _smc(
                "Metadata",
                [
                    _mlp("Name", f"{m.equipment.code} machine data", TS["Name"]),
                    _mlp("Description", f"telemetry tags of {m.equipment.name}", TS["Description"]),
                    _smc("Record", variables, TS["Record"]),
                ],
                TS["Metadata"],
            ),
            _smc("Segments", segments, TS["Segments"]),
        ],
    )


def operational(session: Session, m: Machine, now: datetime, kpi_days: int = 7) -> model.Submodel:
    """Current state and ISO 22400 KPIs over the ``kpi_days`` before ``now``."""
    cid = m.company.id
    st = session.get(MachineState, (cid, m.equipment.code))
    wo_code = None
    if st is not None and st.work_order_id is not None:
        wo_code = session.scalar(select(WorkOrder.code).where(WorkOrder.id == st.work_order_id))
    period = Period(now - timedelta(days=kpi_days), now)
    ld = kpi_service.load(session, cid, "equipment", m.equipment.code, period, now=now)
    unit = ld.units[0]
    k = iso22400.all_kpis(iso22400.KpiInputs(unit.te, unit.counts))
    units = {d.key: d.unit for d in iso22400.CATALOGUE}
    kpis: list[model.SubmodelElement] = []
    for key in KPIS:
        p = _prop(key, k[key], datatypes.Double, f"urn:jejo:semantic:kpi:iso22400:{key}")
        p.description = model.MultiLanguageTextType({"en": f"ISO 22400-2 {key} [{units[key]}]"})
        kpis.append(p)
    return model.Submodel(
        m.ids.submodel("OperationalData"),
        id_short="OperationalData",
        semantic_id=_ref(OPERATIONAL),
        submodel_element=[
            _prop("State", st.state if st else None, datatypes.String, "urn:jejo:semantic:MachineState"),
            _prop("StateSince", _utc(st.since) if st else None, datatypes.DateTime),
            _prop("ReasonCode", st.reason_code if st else None),
            _prop("CurrentWorkOrder", wo_code),
            _smc(
                "Kpi",
                [
                    _prop("PeriodStart", _utc(period.start), datatypes.DateTime),
                    _prop("PeriodEnd", _utc(period.end), datatypes.DateTime),
                    _prop("ProducedQuantity", unit.counts.pq, datatypes.Double),
                    _prop("GoodQuantity", unit.counts.gq, datatypes.Double),
                    _prop("ScrapQuantity", unit.counts.scrap, datatypes.Double),
                    *kpis,
                ],
            ),
        ],
    )


def build_submodel(
    session: Session, m: Machine, name: str, now: datetime | None = None, endpoint: str | None = None
) -> model.Submodel:
    now = as_utc(now or utcnow())
    if name == "Nameplate":
        return nameplate(m)
    if name == "TechnicalData":
        return technical_data(m, now)
    if name == "TimeSeries":
        return time_series(session, m, endpoint=endpoint) if endpoint else time_series(session, m)
    if name == "OperationalData":
        return operational(session, m, now)
    raise NotFound(f"no submodel {name!r}; known: {', '.join(SUBMODELS)}")


def build_store(
    session: Session,
    company_id: int,
    codes: Iterable[str] | None = None,
    now: datetime | None = None,
    endpoint: str | None = None,
) -> tuple[model.DictIdentifiableStore[model.Identifiable], list[str]]:
    """Shells and submodels of the given machines (all of the company's by default) in one store,
    with the shell ids in order."""
    ms = (
        [load_machine(session, company_id, c) for c in codes]
        if codes is not None
        else machines(session, company_id)
    )
    store: model.DictIdentifiableStore[model.Identifiable] = model.DictIdentifiableStore()
    shell_ids: list[str] = []
    for m in ms:
        store.add(build_shell(m))
        shell_ids.append(m.ids.shell)
        for name in SUBMODELS:
            store.add(build_submodel(session, m, name, now, endpoint))
    return store, shell_ids


# ---- serialising --------------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """A shell, submodel, element or reference as the AAS JSON serialisation (a dict)."""
    return json.loads(json.dumps(obj, cls=json_serialization.AASToJsonEncoder))


def write_json(store: model.DictIdentifiableStore[model.Identifiable], out: BinaryIO | Path) -> None:
    """The AAS JSON environment (``assetAdministrationShells``, ``submodels``, ``conceptDescriptions``)."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8") as f:
            json_serialization.write_aas_json_file(f, store)
        return
    buf = io.StringIO()
    json_serialization.write_aas_json_file(buf, store)
    out.write(buf.getvalue().encode("utf-8"))


def write_aasx(
    store: model.DictIdentifiableStore[model.Identifiable], shell_ids: list[str], out: BinaryIO | Path
) -> None:
    """An AASX package (OPC container, ``/aasx/data.xml`` aas-spec part) holding the shells, their
    submodels and the package's core properties."""
    import pyecma376_2

    files = aasx.DictSupplementaryFileContainer()
    target: Any = str(out) if isinstance(out, Path) else out
    with aasx.AASXWriter(target, failsafe=False) as writer:
        writer.write_aas(aas_ids=shell_ids, object_store=store, file_store=files)
        meta = pyecma376_2.OPCCoreProperties()
        meta.creator = f"jejo {__version__}"
        meta.created = datetime.now(UTC).replace(tzinfo=None)
        writer.write_core_properties(meta)


def export_aasx(
    session: Session, company_id: int, codes: Iterable[str] | None = None, now: datetime | None = None
) -> bytes:
    store, shell_ids = build_store(session, company_id, codes, now)
    buf = io.BytesIO()
    write_aasx(store, shell_ids, buf)
    return buf.getvalue()


def export_json(
    session: Session, company_id: int, codes: Iterable[str] | None = None, now: datetime | None = None
) -> bytes:
    store, _ = build_store(session, company_id, codes, now)
    buf = io.BytesIO()
    write_json(store, buf)
    return buf.getvalue()


def read_aasx(data: bytes | Path) -> model.DictIdentifiableStore[model.Identifiable]:
    """Read an AASX package strictly (``failsafe=False``: any defect is an error, not a warning)."""
    store: model.DictIdentifiableStore[model.Identifiable] = model.DictIdentifiableStore()
    files = aasx.DictSupplementaryFileContainer()
    src: Any = str(data) if isinstance(data, Path) else io.BytesIO(data)
    try:
        with aasx.AASXReader(src, failsafe=False) as reader:
            reader.read_into(store, files)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError("not a valid AASX package", [Problem(reason=str(exc), field="aasx")]) from exc
    return store


# ---- read-only repository (what the AAS HTTP API serves) ----------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of results and the cursor of the next one (``None`` on the last page)."""

    result: list[Any]
    cursor: str | None


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise ValidationError(
            "bad cursor", [Problem(reason="not a cursor this server issued", field="cursor")]
        )
    return int(cursor)


def page_of(items: list[Any], limit: int, cursor: str | None, total: int | None = None) -> Page:
    start = _offset(cursor)
    end = start + limit
    n = len(items) if total is None else total
    return Page(items[start:end], str(end) if end < n else None)


class Repository:
    """The company's shells and submodels as the AAS HTTP API (IDTA-01002 Part 2) reads them. Other
    companies' ids are answered like unknown ones."""

    def __init__(
        self, session: Session, company_id: int, now: datetime | None = None, endpoint: str | None = None
    ) -> None:
        self.session = session
        self.company_id = company_id
        company = session.get(Company, company_id)
        if company is None:
            raise NotFound("company not found")
        self.company = company.code
        self.now = now
        self.endpoint = endpoint

    def _codes(self) -> list[str]:
        return list(
            self.session.scalars(
                select(Equipment.code).where(Equipment.company_id == self.company_id).order_by(Equipment.code)
            )
        )

    def _own(self, identifier: str, want_submodel: bool) -> tuple[Machine, str | None]:
        company, code, sm = parse_id(identifier)
        if company != self.company or (sm is not None) != want_submodel:
            raise NotFound(f"no {'submodel' if want_submodel else 'shell'} with id {identifier!r}")
        try:
            return load_machine(self.session, self.company_id, code), sm
        except NotFound:
            raise NotFound(f"no {'submodel' if want_submodel else 'shell'} with id {identifier!r}") from None

    def shells(self, limit: int, cursor: str | None, id_short: str | None = None) -> Page:
        codes = self._codes()
        if id_short is not None:
            codes = [c for c in codes if _id_short(c) == id_short]
        page = page_of(codes, limit, cursor)
        return Page(
            [build_shell(load_machine(self.session, self.company_id, c)) for c in page.result], page.cursor
        )

    def shell(self, identifier: str) -> model.AssetAdministrationShell:
        m, _ = self._own(identifier, False)
        return build_shell(m)

    def submodel_refs(self, identifier: str, limit: int, cursor: str | None) -> Page:
        m, _ = self._own(identifier, False)
        refs = [
            model.ModelReference((model.Key(model.KeyTypes.SUBMODEL, m.ids.submodel(n)),), model.Submodel)
            for n in SUBMODELS
        ]
        return page_of(refs, limit, cursor)

    def submodels(
        self, limit: int, cursor: str | None, semantic_id: str | None = None, id_short: str | None = None
    ) -> Page:
        semantics = dict(zip(SUBMODELS, (NAMEPLATE, TECHNICAL_DATA, TIME_SERIES, OPERATIONAL), strict=True))
        names = [
            n
            for n in SUBMODELS
            if (semantic_id is None or semantics[n] == semantic_id) and (id_short is None or n == id_short)
        ]
        pairs = [(c, n) for c in self._codes() for n in names]
        page = page_of(pairs, limit, cursor)
        out = []
        for code, name in page.result:
            m = load_machine(self.session, self.company_id, code)
            out.append(build_submodel(self.session, m, name, self.now, self.endpoint))
        return Page(out, page.cursor)

    def submodel(self, identifier: str) -> model.Submodel:
        m, name = self._own(identifier, True)
        assert name is not None
        return build_submodel(self.session, m, name, self.now, self.endpoint)

    def shell_submodel(self, shell_id: str, submodel_id: str) -> model.Submodel:
        m, _ = self._own(shell_id, False)
        if submodel_id not in {m.ids.submodel(n) for n in SUBMODELS}:
            raise NotFound(f"shell {shell_id!r} has no submodel {submodel_id!r}")
        return self.submodel(submodel_id)

    def element(self, identifier: str, id_short_path: str) -> model.SubmodelElement:
        return resolve_path(self.submodel(identifier), id_short_path)


_PART = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)?((?:\[\d+\])*)$")


def resolve_path(sm: model.Submodel, id_short_path: str) -> model.SubmodelElement:
    """The element at an idShortPath (``Kpi.oee``, ``List[2].Value``) of a submodel; NotFound if none."""
    obj: Any = sm
    for part in id_short_path.split("."):
        m = _PART.match(part)
        if not m or (not m.group(1) and not m.group(2)):
            raise ValidationError(
                "bad idShortPath", [Problem(reason=f"{part!r} is not an idShort", field="idShortPath")]
            )
        try:
            if m.group(1):
                obj = obj.get_referable(m.group(1))
            for idx in re.findall(r"\[(\d+)\]", m.group(2)):
                if not isinstance(obj, model.SubmodelElementList):
                    raise KeyError(idx)
                obj = list(obj.value)[int(idx)]
        except (KeyError, AttributeError, IndexError):
            raise NotFound(f"no submodel element at {id_short_path!r}") from None
    if not isinstance(obj, model.SubmodelElement):
        raise NotFound(f"no submodel element at {id_short_path!r}")
    return obj


def machine_rows(session: Session, company_id: int) -> list[dict[str, Any]]:
    """The company's machines with their place and how many telemetry tags describe them (for pages)."""
    from sqlalchemy import func

    tags = dict(
        session.execute(
            select(TsTag.equipment_code, func.count())
            .where(TsTag.company_id == company_id, TsTag.equipment_code.is_not(None))
            .group_by(TsTag.equipment_code)
        ).all()
    )
    out = []
    for m in machines(session, company_id):
        out.append(
            {
                "code": m.equipment.code,
                "name": m.equipment.name,
                "work_center": m.work_center.code,
                "line": m.line.code,
                "manufacturer": m.equipment.manufacturer,
                "tags": int(tags.get(m.equipment.code, 0)),
                "shell_id": m.ids.shell,
            }
        )
    return out
