"""Master-data import and export: upload a workbook or CSV, download data or the template."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from jejo.api.deps import DB, Caller, require
from jejo.core.errors import Problem, ValidationError
from jejo.masterdata import transfer

router = APIRouter(prefix="/masterdata", tags=["master data import/export"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_KINDS = ", ".join(transfer.SHEETS)


def _download(data: bytes, fmt: str, filename: str) -> Response:
    return Response(
        data,
        media_type=transfer.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/import",
    dependencies=[require("masterdata:write")],
    responses={
        422: {
            "description": "The file is rejected as a whole; `errors` lists every problem "
            "with sheet, row, column and reason"
        }
    },
)
async def import_file(
    caller: Caller,
    session: DB,
    file: Annotated[
        UploadFile, File(description=".xlsx workbook (a sheet per kind) or .csv file (one kind)")
    ],
    kind: Annotated[str | None, Form(description=f"kind of a CSV file, else from its name: {_KINDS}")] = None,
    dry_run: Annotated[bool, Form(description="check everything, save nothing")] = False,
) -> dict[str, Any]:
    """Import master data, all or nothing: a file with any problem changes nothing."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    name = file.filename or "upload.xlsx"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "file too large", [Problem(sheet=name, reason=f"more than {MAX_UPLOAD_BYTES} bytes")]
        )
    result = transfer.import_file(session, caller.company_id, name, data, kind=kind or None, dry_run=dry_run)
    return {"file": name, **result.as_dict()}


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {transfer.MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}}},
)
def export_data(
    caller: Caller,
    session: DB,
    format: Literal["xlsx", "csv"] = Query(
        "xlsx", description="xlsx: every kind, a sheet each; csv: one kind"
    ),
    kind: str | None = Query(None, description=f"only this kind (needed for csv): {_KINDS}"),
) -> Response:
    """Download master data as an .xlsx workbook or one kind as CSV (UTF-8 with BOM)."""
    data = transfer.export(session, caller.company_id, format, kind)
    stem = f"jejo-{kind or 'masterdata'}-{date.today().isoformat()}"
    return _download(data, format, f"{stem}.{format}")


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses={200: {"content": {transfer.MEDIA_TYPES["xlsx"]: {}}}},
)
def download_template(caller: Caller) -> Response:
    """The import template: a guide sheet and a sheet per kind with headers, Korean labels and examples."""
    return _download(transfer.template("xlsx"), "xlsx", "jejo-masterdata-template.xlsx")
