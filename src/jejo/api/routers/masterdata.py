"""Master data: one set of routes per kind (list, create, get, replace, delete), plus BOMs and routings."""

from typing import Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel
from sqlalchemy import select

from jejo.api.deps import DB, Caller, PageQ, paged, require
from jejo.core.errors import NotFound
from jejo.masterdata import schemas
from jejo.masterdata import service as md
from jejo.masterdata.tables import Bom, Item, Routing

router = APIRouter(prefix="/masterdata", tags=["master data"])


def _add_kind_routes(k: md.Kind) -> None:
    path = "/" + k.name.replace("_", "-")
    schema = k.schema
    filter_names = list(k.refs)

    def list_(
        caller: Caller,
        session: DB,
        page: PageQ,
        q: str | None = Query(None, description="search"),
        parent: str | None = Query(None, description=f"filter by {', '.join(filter_names) or '-'} code"),
    ) -> dict[str, Any]:
        filters = {filter_names[0]: parent} if parent and filter_names else {}
        rows, total = md.list_rows(
            session, caller.company_id, k.name, offset=page.offset, limit=page.limit, q=q, filters=filters
        )
        return paged([md.to_dict(k, r) for r in rows], total, page)

    def create(caller: Caller, session: DB, body: BaseModel = Body(...)) -> dict[str, Any]:
        return md.to_dict(k, md.create(session, caller.company_id, k.name, body.model_dump(mode="json")))

    def get(code: str, caller: Caller, session: DB) -> dict[str, Any]:
        return md.to_dict(k, md.get(session, caller.company_id, k.name, code))

    def replace(code: str, caller: Caller, session: DB, body: BaseModel = Body(...)) -> dict[str, Any]:
        return md.to_dict(
            k, md.update(session, caller.company_id, k.name, code, body.model_dump(mode="json"))
        )

    def remove(code: str, caller: Caller, session: DB) -> None:
        md.delete(session, caller.company_id, k.name, code)

    create.__annotations__["body"] = schema  # FastAPI validates the body with this kind's schema
    replace.__annotations__["body"] = schema
    write = [require("masterdata:write")]
    router.add_api_route(
        path,
        list_,
        methods=["GET"],
        summary=f"List {k.label_en.lower()} ({k.label_ko})",
        operation_id=f"list_{k.name}",
    )
    router.add_api_route(
        path,
        create,
        methods=["POST"],
        status_code=201,
        dependencies=write,
        summary=f"Create {k.label_en.lower()}",
        operation_id=f"create_{k.name}",
    )
    router.add_api_route(path + "/{code}", get, methods=["GET"], operation_id=f"get_{k.name}")
    router.add_api_route(
        path + "/{code}", replace, methods=["PUT"], dependencies=write, operation_id=f"replace_{k.name}"
    )
    router.add_api_route(
        path + "/{code}",
        remove,
        methods=["DELETE"],
        status_code=204,
        dependencies=write,
        operation_id=f"delete_{k.name}",
    )


for _kind in md.KINDS.values():
    _add_kind_routes(_kind)


@router.put("/boms", dependencies=[require("masterdata:write")])
def save_bom(body: schemas.BomIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Create or replace the BOM (one version) of an item."""
    return md.bom_to_dict(md.save_bom(session, caller.company_id, body))


@router.get("/boms/{item}")
def get_bom(item: str, caller: Caller, session: DB) -> dict[str, Any]:
    item_row = md.get(session, caller.company_id, "items", item)
    bom = md.active_bom(session, caller.company_id, item_row.id)
    if bom is None:
        raise NotFound(f"item {item} has no BOM")
    return md.bom_to_dict(bom)


@router.get("/boms/{item}/explosion")
def explode_bom(item: str, caller: Caller, session: DB, quantity: float = Query(1.0, gt=0)) -> dict[str, Any]:
    """Gross requirements of every component at every level, scrap factors included."""
    from jejo.masterdata.bom import explode

    md.get(session, caller.company_id, "items", item)
    need = explode(md.bom_defs(session, caller.company_id), item, quantity)
    return {
        "item": item,
        "quantity": quantity,
        "requirements": [{"item": k, "quantity": v} for k, v in need.items()],
    }


@router.get("/boms")
def list_boms(caller: Caller, session: DB) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Bom)
        .join(Item, Item.id == Bom.item_id)
        .where(Bom.company_id == caller.company_id)
        .order_by(Item.code, Bom.version)
    )
    return [md.bom_to_dict(b) for b in rows]


@router.put("/routings", dependencies=[require("masterdata:write")])
def save_routing(body: schemas.RoutingIn, caller: Caller, session: DB) -> dict[str, Any]:
    """Create or replace the routing (one version) of an item."""
    return md.routing_to_dict(md.save_routing(session, caller.company_id, body))


@router.get("/routings/{item}")
def get_routing(item: str, caller: Caller, session: DB) -> dict[str, Any]:
    item_row = md.get(session, caller.company_id, "items", item)
    r = md.active_routing(session, caller.company_id, item_row.id)
    if r is None:
        raise NotFound(f"item {item} has no routing")
    return md.routing_to_dict(r)


@router.get("/routings")
def list_routings(caller: Caller, session: DB) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Routing)
        .join(Item, Item.id == Routing.item_id)
        .where(Routing.company_id == caller.company_id)
        .order_by(Item.code, Routing.version)
    )
    return [md.routing_to_dict(r) for r in rows]
