"""Master-data import and export: .xlsx workbooks (one sheet per kind) and CSV files (one kind each).

``layout`` names the sheets and columns, ``reader`` reads files, ``writer`` writes them (neither touches
the database), ``apply`` runs rows through the master-data service, and ``service`` ties them together
for the CLI (``jejo import`` / ``jejo export``) and the API (``/masterdata/import``, ``/export``,
``/template.xlsx``). See docs/import-export.md.
"""

from __future__ import annotations

from jejo.masterdata.transfer.layout import ORDER, SHEETS, SheetSpec
from jejo.masterdata.transfer.reader import ReadResult, SheetData, read_csv, read_file, read_xlsx
from jejo.masterdata.transfer.service import (
    MEDIA_TYPES,
    ImportResult,
    export,
    format_of,
    import_file,
    import_sheets,
    read_files,
    template,
)

__all__ = [
    "MEDIA_TYPES",
    "ORDER",
    "SHEETS",
    "ImportResult",
    "ReadResult",
    "SheetData",
    "SheetSpec",
    "export",
    "format_of",
    "import_file",
    "import_sheets",
    "read_csv",
    "read_file",
    "read_files",
    "read_xlsx",
    "template",
]
