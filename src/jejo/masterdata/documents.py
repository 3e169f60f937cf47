"""Documents kept with master data: a machine's manuals, certificates and photos, an operation's
work instructions and drawings.

The record (title, kind, file name, type, size, SHA-256, who and when) is a row; the bytes are a file in
the data folder named by its SHA-256 (``documents/<company>/blobs/<sha256>``), so the same file uploaded
twice is stored once and a file on disk can be checked against its record. Uploads are checked before
anything is written: the owner must exist, the name must be plain, the type one a shop-floor tablet can
show or a person can open, and the size within :data:`MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jejo.core.db import Base
from jejo.core.errors import NotFound, Problem, ValidationError
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Equipment, Item

MAX_BYTES = 25 * 1024 * 1024
KINDS = ("manual", "drawing", "instruction", "certificate", "photo", "other")
OWNER_KINDS = ("equipment", "operation")
#: what may be attached: what the terminal shows inline, and what people open on a PC
SUFFIXES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".dxf": "image/vnd.dxf",
    ".step": "model/step",
    ".stp": "model/step",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".hwp": "application/x-hwp",
    ".hwpx": "application/hwp+zip",
}


class Document(TenantMixin, Base):
    """A file attached to a machine (``equipment``, owner code = its code) or to a routing operation
    (``operation``, owner code = ``<item>/<seq>``)."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_owner", "company_id", "owner_kind", "owner_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_code: Mapped[str] = mapped_column(String(130))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))


def blob_path(data_dir: Path, company_code: str, sha256: str) -> Path:
    return data_dir / "documents" / company_code / "blobs" / sha256


def _check_owner(session: Session, company_id: int, owner_kind: str, owner_code: str) -> str | None:
    if owner_kind == "equipment":
        found = session.scalar(
            select(Equipment.id).where(Equipment.company_id == company_id, Equipment.code == owner_code)
        )
        return None if found else f"equipment {owner_code!r} does not exist"
    item, _, seq = owner_code.partition("/")
    if not seq.isdigit():
        return "an operation is named <item>/<seq>, e.g. CAB-600/10"
    found = session.scalar(select(Item.id).where(Item.company_id == company_id, Item.code == item))
    return None if found else f"item {item!r} does not exist"


def add_document(
    session: Session,
    data_dir: Path,
    company_id: int,
    company_code: str,
    *,
    owner_kind: str,
    owner_code: str,
    filename: str,
    content: bytes,
    title: str | None = None,
    kind: str = "other",
    actor: str,
) -> Document:
    """Check and store one uploaded file; nothing is written when a check fails."""
    problems = []
    if owner_kind not in OWNER_KINDS:
        problems.append(Problem(f"owner must be one of {', '.join(OWNER_KINDS)}", field="owner_kind"))
    elif (why := _check_owner(session, company_id, owner_kind, owner_code)) is not None:
        problems.append(Problem(why, field="owner_code"))
    name = os.path.basename(filename.replace("\\", "/")).strip()
    suffix = Path(name).suffix.lower()
    if not name or name.startswith(".") or len(name) > 200:
        problems.append(Problem("give the file a plain name of at most 200 characters", field="file"))
    elif suffix not in SUFFIXES:
        problems.append(
            Problem(f"{suffix or 'no extension'}: allowed are {', '.join(sorted(SUFFIXES))}", field="file")
        )
    if not content:
        problems.append(Problem("the file is empty", field="file"))
    elif len(content) > MAX_BYTES:
        problems.append(Problem(f"at most {MAX_BYTES // (1024 * 1024)} MB per file", field="file"))
    if kind not in KINDS:
        problems.append(Problem(f"kind must be one of {', '.join(KINDS)}", field="kind"))
    title = (title or Path(name).stem).strip()[:200]
    if problems:
        raise ValidationError("the document was not stored", problems)
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(data_dir, company_code, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)  # a reader never sees half a file
    previous = session.scalar(
        select(Document).where(
            Document.company_id == company_id,
            Document.owner_kind == owner_kind,
            Document.owner_code == owner_code,
            Document.title == title,
        )
    )
    doc = Document(
        company_id=company_id,
        owner_kind=owner_kind,
        owner_code=owner_code,
        title=title,
        kind=kind,
        filename=name,
        content_type=SUFFIXES[suffix],
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
        replaces_id=previous.id if previous else None,
    )
    session.add(doc)
    session.flush()
    return doc


def list_documents(session: Session, company_id: int, owner_kind: str, owner_code: str) -> list[Document]:
    """The current documents of an owner: for a title uploaded again, only its newest version."""
    docs = list(
        session.scalars(
            select(Document)
            .where(
                Document.company_id == company_id,
                Document.owner_kind == owner_kind,
                Document.owner_code == owner_code,
            )
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )
    seen: set[str] = set()
    out = []
    for d in docs:
        if d.title not in seen:
            seen.add(d.title)
            out.append(d)
    return sorted(out, key=lambda d: (KINDS.index(d.kind) if d.kind in KINDS else 99, d.title))


def get_document(session: Session, company_id: int, doc_id: int) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None or doc.company_id != company_id:
        raise NotFound("no such document")
    return doc


def read_document(data_dir: Path, company_code: str, doc: Document) -> bytes:
    """The stored bytes, checked against the record's SHA-256."""
    path = blob_path(data_dir, company_code, doc.sha256)
    if not path.is_file():
        raise NotFound(f"the file of document {doc.id} is missing from the data folder")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != doc.sha256:
        raise NotFound(f"the file of document {doc.id} does not match its record (SHA-256)")
    return content


def delete_document(session: Session, company_id: int, doc_id: int) -> None:
    """Remove the record (the blob stays while another record names it; files are never half-deleted)."""
    doc = get_document(session, company_id, doc_id)
    session.delete(doc)
    session.flush()
