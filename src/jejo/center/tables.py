"""Center tables. The center runs its own tenant; the firms it serves are rows of that tenant.

Row ids are UUIDv7 (time-ordered) so that records keep their identity when they travel between a
firm's instance and the center's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.ids import new_event_id
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


class Firm(TenantMixin, Base):
    """A firm (기업) the center serves. ``business_number`` is the 10-digit 사업자등록번호 without dashes."""

    __tablename__ = "center_firms"
    __table_args__ = (
        UniqueConstraint("company_id", "business_number", name="uq_center_firms_company_business_number"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    business_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    representative: Mapped[str] = mapped_column(String(100), default="")
    sigungu: Mapped[str] = mapped_column(String(40))  # 시·군·구, e.g. 포천시
    ksic_code: Mapped[str] = mapped_column(String(8))  # e.g. C32 or 32021
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_krw: Mapped[int | None] = mapped_column(BigInteger)
    factory_registered: Mapped[bool] = mapped_column(Boolean, default=False)  # 공장등록
    legend50: Mapped[bool] = mapped_column(Boolean, default=False)  # 레전드50+ 선정
    main_products: Mapped[str] = mapped_column(String(300), default="")
    #: the tenant of this instance that holds the firm's own factory data (diagnosis pre-fill), if any
    plant_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    builds: Mapped[list[FirmBuild]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="FirmBuild.year"
    )
    capabilities: Mapped[list[FirmCapability]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="FirmCapability.assessed_on"
    )


class FirmBuild(TenantMixin, Base):
    """A smart-factory build of one site (사업장): system level before / target / achieved
    (기초, 중간1, 중간2, 고도화)."""

    __tablename__ = "center_firm_builds"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(200), default="")
    level_before: Mapped[str | None] = mapped_column(String(8))
    level_target: Mapped[str] = mapped_column(String(8))
    level_achieved: Mapped[str | None] = mapped_column(String(8))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    registered: Mapped[bool] = mapped_column(Boolean, default=True)  # 사업관리시스템 이력 등록
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    firm: Mapped[Firm] = relationship(back_populates="builds")


class FirmCapability(TenantMixin, Base):
    """기업제조혁신역량 수준 (Level 1–5) on a date, self-assessed or confirmed externally."""

    __tablename__ = "center_firm_capabilities"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    assessed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(12))  # self | external
    assessor: Mapped[str] = mapped_column(String(200), default="")
    diagnosis_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    firm: Mapped[Firm] = relationship(back_populates="capabilities")


class FirmMember(TenantMixin, Base):
    """Links a firm user (role ``firm_user``) to the one firm whose record it may see."""

    __tablename__ = "center_firm_members"
    __table_args__ = (UniqueConstraint("user_id", name="uq_center_firm_members_user"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Diagnosis(TenantMixin, Base):
    """A level self-diagnosis (수준 자가진단) of a firm against one version of the item bank."""

    __tablename__ = "center_diagnoses"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    bank_version: Mapped[str] = mapped_column(String(40))
    respondent: Mapped[str] = mapped_column(String(12))  # firm | consultant | mentor
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    site: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | completed
    total_score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int | None] = mapped_column(Integer)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"areas": {...}, "domains": {...}}
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    answers: Mapped[list[DiagnosisAnswer]] = relationship(
        back_populates="diagnosis", cascade="all, delete-orphan", order_by="DiagnosisAnswer.item_code"
    )


class DiagnosisAnswer(Base):
    """One answer: a rating 1–5 on the item's anchors, or none for N/A. ``prefilled`` answers came from
    what jejo measures in this instance; ``evidence`` links to that data."""

    __tablename__ = "center_diagnosis_answers"
    __table_args__ = (UniqueConstraint("diagnosis_id", "item_code", name="uq_center_diagnosis_answers_item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    diagnosis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_diagnoses.id", ondelete="CASCADE"), index=True
    )
    item_code: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000), default="")
    prefilled: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{label, value, href}]
    diagnosis: Mapped[Diagnosis] = relationship(back_populates="answers")


class ConsultingVisit(TenantMixin, Base):
    """A pre-consulting visit (사전 컨설팅 방문) with its notes."""

    __tablename__ = "center_consulting_visits"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    visited_at: Mapped[datetime] = mapped_column()
    consultant: Mapped[str] = mapped_column(String(100))
    attendees: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recommended_program: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actions: Mapped[list[ActionItem]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="ActionItem.created_at"
    )


class ActionItem(TenantMixin, Base):
    """A follow-up action agreed at a visit."""

    __tablename__ = "center_action_items"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    visit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_consulting_visits.id", ondelete="CASCADE"), index=True
    )
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(100), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    visit: Mapped[ConsultingVisit] = relationship(back_populates="actions")


class Application(TenantMixin, Base):
    """A firm's application to one program of one year, moving through the workflow stages."""

    __tablename__ = "center_applications"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    program_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    site: Mapped[str] = mapped_column(String(200), default="")
    target_level: Mapped[str | None] = mapped_column(String(8))
    total_budget_krw: Mapped[int | None] = mapped_column(BigInteger)
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("center_suppliers.id", ondelete="SET NULL")
    )
    consultant: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    firm: Mapped[Firm] = relationship()
    history: Mapped[list[ApplicationTransition]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationTransition.at"
    )
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationDocument.uploaded_at"
    )
    deadlines: Mapped[list[ApplicationDeadline]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationDeadline.due_at"
    )


class ApplicationTransition(Base):
    """One step of an application's workflow, who moved it and why."""

    __tablename__ = "center_application_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    application: Mapped[Application] = relationship(back_populates="history")


class ApplicationDocument(TenantMixin, Base):
    """A document attached to an application at one stage; the bytes are kept in the database."""

    __tablename__ = "center_application_documents"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_applications.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(100))  # e.g. 사업계획서, 협약서
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(100), default="")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    application: Mapped[Application] = relationship(back_populates="documents")


class ApplicationDeadline(TenantMixin, Base):
    """A deadline of an application (e.g. 협약 서류, 중간점검); reminders are sent ``remind_days`` before."""

    __tablename__ = "center_application_deadlines"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_applications.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column()
    remind_days: Mapped[int] = mapped_column(Integer, default=7)
    reminded_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    application: Mapped[Application] = relationship(back_populates="deadlines")


class Mentor(TenantMixin, Base):
    """A mentor of the pool (제조DX멘토단). ``user_id`` links the mentor's login, if any."""

    __tablename__ = "center_mentors"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_center_mentors_company_code"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["MES", "품질", "AI"]
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)  # KSIC divisions, e.g. ["32"]
    sigungu: Mapped[str] = mapped_column(String(40), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=3)  # firms at a time
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)  # business numbers of related firms
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentorAssignment(TenantMixin, Base):
    """A mentor for a firm at one stage (planning → build → aftercare): proposed, then confirmed."""

    __tablename__ = "center_mentor_assignments"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    mentor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_mentors.id", ondelete="CASCADE"), index=True
    )
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("center_applications.id", ondelete="SET NULL")
    )
    stage: Mapped[str] = mapped_column(String(12))  # planning | build | aftercare
    status: Mapped[str] = mapped_column(String(12), default="proposed")  # proposed | confirmed | ended
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by: Mapped[str] = mapped_column(String(100), default="")
    mentor: Mapped[Mentor] = relationship()
    firm: Mapped[Firm] = relationship()


class MentorVisit(TenantMixin, Base):
    """A mentoring visit; build-stage visits count toward the program's mandatory visits."""

    __tablename__ = "center_mentor_visits"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_mentor_assignments.id", ondelete="CASCADE"), index=True
    )
    visited_at: Mapped[datetime] = mapped_column()
    mode: Mapped[str] = mapped_column(String(8), default="onsite")  # onsite | remote
    summary: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_firm: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assignment: Mapped[MentorAssignment] = relationship()


class CenterSupplier(TenantMixin, Base):
    """A supply company (공급기업) that builds smart factories."""

    __tablename__ = "center_suppliers"
    __table_args__ = (
        UniqueConstraint("company_id", "business_number", name="uq_center_suppliers_company_business_number"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    business_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    sigungu: Mapped[str] = mapped_column(String(40), default="")
    capability_level: Mapped[int | None] = mapped_column(Integer)  # 공급기업 역량진단 1–5
    pool_registered: Mapped[bool] = mapped_column(Boolean, default=False)  # 공급기업 Pool
    contact: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    solutions: Mapped[list[SupplierSolution]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="SupplierSolution.name"
    )
    builds: Mapped[list[SupplierBuild]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="SupplierBuild.year"
    )


class SupplierSolution(TenantMixin, Base):
    __tablename__ = "center_supplier_solutions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    supplier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_suppliers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))  # MES | ERP | POP | 설비연동 | AI | ...
    description: Mapped[str] = mapped_column(String(1000), default="")
    supplier: Mapped[CenterSupplier] = relationship(back_populates="solutions")


class SupplierBuild(TenantMixin, Base):
    """A build a supplier did; ``firm_id`` set when the firm is one of the center's."""

    __tablename__ = "center_supplier_builds"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    supplier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_suppliers.id", ondelete="CASCADE"), index=True
    )
    firm_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("center_firms.id", ondelete="SET NULL"))
    firm_name: Mapped[str] = mapped_column(String(200))
    sigungu: Mapped[str] = mapped_column(String(40), default="")
    year: Mapped[int] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(200), default="")
    level_achieved: Mapped[str | None] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    supplier: Mapped[CenterSupplier] = relationship(back_populates="builds")


class Quote(TenantMixin, Base):
    """A supplier's quote (견적) attached to an application, compared side by side."""

    __tablename__ = "center_quotes"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_applications.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_suppliers.id", ondelete="CASCADE"))
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(1000), default="")
    solutions: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    supplier: Mapped[CenterSupplier] = relationship()
