"""The AAS HTTP API (IDTA-01002 Part 2, V3.0), read only: the company's Asset Administration Shells and
submodels (one shell per equipment record), mounted under ``/api/aas``.

Identifiers in paths are base64url-encoded (padding optional); lists are paged with ``limit`` and
``cursor`` and answer ``{"paging_metadata": {"cursor": ...}, "result": [...]}``. Errors are Part 2
result objects (``{"messages": [...]}``). Authentication is the API's (bearer token or session); a
caller only ever sees its own company's shells.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from jejo.api.deps import DB, Caller
from jejo.core.errors import JejoError, NotFound
from jejo.core.timeutil import utcnow
from jejo.twin import aas

router = APIRouter(tags=["aas"])

PROFILES = [
    "https://admin-shell.io/aas/API/3/0/AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/SubmodelRepositoryServiceSpecification/SSP-002",
]
Limit = Query(100, ge=1, le=1000)


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse(
        {
            "messages": [
                {
                    "code": str(status),
                    "messageType": "Error",
                    "text": text,
                    "timestamp": utcnow().isoformat(timespec="seconds"),
                }
            ]
        },
        status_code=status,
    )


def _decode(value: str, name: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _BadId(f"{name} is not base64url-encoded") from None


class _BadId(Exception):
    pass


def _answer(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except _BadId as exc:
        return _error(400, str(exc))
    except NotFound as exc:
        return _error(404, exc.detail)
    except JejoError as exc:
        return _error(exc.status, str(exc))


def _repo(request: Request, caller: Caller, session: DB) -> aas.Repository:
    endpoint = str(request.base_url).rstrip("/") + "/api/v1/twin/timeseries"
    return aas.Repository(session, caller.company_id, endpoint=endpoint)


def _paged(page: aas.Page) -> dict[str, Any]:
    meta = {"cursor": page.cursor} if page.cursor else {}
    return {"paging_metadata": meta, "result": [aas.to_jsonable(x) for x in page.result]}


@router.get("/description")
def description(caller: Caller) -> dict[str, Any]:
    return {"profiles": PROFILES}


@router.get("/shells")
def get_shells(
    request: Request,
    caller: Caller,
    session: DB,
    limit: int = Limit,
    cursor: str | None = None,
    idShort: str | None = None,
) -> Any:
    return _answer(lambda: _paged(_repo(request, caller, session).shells(limit, cursor, idShort)))


@router.get("/shells/{aas_identifier}")
def get_shell(aas_identifier: str, request: Request, caller: Caller, session: DB) -> Any:
    return _answer(
        lambda: aas.to_jsonable(
            _repo(request, caller, session).shell(_decode(aas_identifier, "aasIdentifier"))
        )
    )


@router.get("/shells/{aas_identifier}/asset-information")
def get_asset_information(aas_identifier: str, request: Request, caller: Caller, session: DB) -> Any:
    return _answer(
        lambda: aas.to_jsonable(
            _repo(request, caller, session).shell(_decode(aas_identifier, "aasIdentifier")).asset_information
        )
    )


@router.get("/shells/{aas_identifier}/submodel-refs")
def get_submodel_refs(
    aas_identifier: str,
    request: Request,
    caller: Caller,
    session: DB,
    limit: int = Limit,
    cursor: str | None = None,
) -> Any:
    return _answer(
        lambda: _paged(
            _repo(request, caller, session).submodel_refs(
                _decode(aas_identifier, "aasIdentifier"), limit, cursor
            )
        )
    )


@router.get("/shells/{aas_identifier}/submodels/{submodel_identifier}")
def get_shell_submodel(
    aas_identifier: str, submodel_identifier: str, request: Request, caller: Caller, session: DB
) -> Any:
    return _answer(
        lambda: aas.to_jsonable(
            _repo(request, caller, session).shell_submodel(
                _decode(aas_identifier, "aasIdentifier"), _decode(submodel_identifier, "submodelIdentifier")
            )
        )
    )


@router.get("/submodels")
def get_submodels(
    request: Request,
    caller: Caller,
    session: DB,
    limit: int = Limit,
    cursor: str | None = None,
    semanticId: str | None = None,
    idShort: str | None = None,
) -> Any:
    def run() -> Any:
        sem = _decode(semanticId, "semanticId") if semanticId else None
        return _paged(_repo(request, caller, session).submodels(limit, cursor, sem, idShort))

    return _answer(run)


@router.get("/submodels/{submodel_identifier}")
def get_submodel(submodel_identifier: str, request: Request, caller: Caller, session: DB) -> Any:
    return _answer(
        lambda: aas.to_jsonable(
            _repo(request, caller, session).submodel(_decode(submodel_identifier, "submodelIdentifier"))
        )
    )


@router.get("/submodels/{submodel_identifier}/submodel-elements")
def get_submodel_elements(
    submodel_identifier: str,
    request: Request,
    caller: Caller,
    session: DB,
    limit: int = Limit,
    cursor: str | None = None,
) -> Any:
    def run() -> Any:
        sm = _repo(request, caller, session).submodel(_decode(submodel_identifier, "submodelIdentifier"))
        return _paged(aas.page_of(list(sm.submodel_element), limit, cursor))

    return _answer(run)


@router.get("/submodels/{submodel_identifier}/submodel-elements/{id_short_path}")
def get_submodel_element(
    submodel_identifier: str, id_short_path: str, request: Request, caller: Caller, session: DB
) -> Any:
    return _answer(
        lambda: aas.to_jsonable(
            _repo(request, caller, session).element(
                _decode(submodel_identifier, "submodelIdentifier"), id_short_path
            )
        )
    )
