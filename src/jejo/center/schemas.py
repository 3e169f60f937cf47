"""Input schemas of the center side (pydantic). Domain checks (checksum, KSIC, 시·군) live in the
services so that the API, the pages, the CLI and Excel import report them the same way."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SystemLevel = Literal["기초", "중간1", "중간2", "고도화"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FirmIn(_In):
    business_number: str = Field(description="사업자등록번호, 10 digits, dashes allowed")
    name: str = Field(min_length=1, max_length=200)
    representative: str = Field(default="", max_length=100)
    sigungu: str = Field(max_length=40, description="시·군, e.g. 포천시")
    ksic_code: str = Field(max_length=8, description="KSIC manufacturing code, e.g. C32 or 32021")
    employees: int | None = Field(default=None, ge=0, le=1_000_000)
    revenue_krw: int | None = Field(default=None, ge=0)
    factory_registered: bool = False
    legend50: bool = False
    main_products: str = Field(default="", max_length=300)
    plant_company: str | None = Field(
        default=None, description="code of the company in this instance that holds the firm's own plant data"
    )


class BuildIn(_In):
    site: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2014, le=2100)
    program: str = Field(default="", max_length=200)
    level_before: SystemLevel | None = None
    level_target: SystemLevel
    level_achieved: SystemLevel | None = None
    supplier: str = Field(default="", max_length=200)
    registered: bool = True


class CapabilityIn(_In):
    level: int = Field(ge=1, le=5)
    assessed_on: date
    method: Literal["self", "external"]
    assessor: str = Field(default="", max_length=200)


class AnswerIn(_In):
    item: str
    rating: int | None = Field(default=None, ge=1, le=5, description="1–5 on the anchors; none = N/A")
    note: str = Field(default="", max_length=1000)


class DiagnosisIn(_In):
    respondent: Literal["firm", "consultant", "mentor"] = "consultant"
    site: str = Field(default="", max_length=200)
    version: str | None = None
    prefill: bool = True


class VisitIn(_In):
    visited_at: datetime
    attendees: str = Field(default="", max_length=300)
    notes: str = Field(default="", max_length=20_000)
    recommended_program: str | None = None
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)


class ActionIn(_In):
    text: str = Field(min_length=1, max_length=500)
    owner: str = Field(default="", max_length=100)
    due_on: date | None = None


class ApplicationIn(_In):
    program: str
    year: int = Field(ge=2020, le=2100)
    title: str = Field(default="", max_length=300)
    site: str = Field(default="", max_length=200)
    target_level: SystemLevel | None = None
    total_budget_krw: int | None = Field(default=None, ge=0)


class TransitionIn(_In):
    to: str
    note: str = Field(default="", max_length=1000)
    at: datetime | None = None


class DeadlineIn(_In):
    stage: str
    title: str = Field(min_length=1, max_length=200)
    due_at: datetime
    remind_days: int = Field(default=7, ge=0, le=90)


class MentorIn(_In):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
    name: str = Field(min_length=1, max_length=100)
    organisation: str = Field(default="", max_length=200)
    expertise: list[str] = Field(default_factory=list, max_length=30)
    industries: list[str] = Field(default_factory=list, max_length=30, description="KSIC divisions")
    sigungu: str = Field(default="", max_length=40)
    capacity: int = Field(default=3, ge=0, le=50)
    available: bool = True
    conflicts: list[str] = Field(default_factory=list, description="business numbers the mentor is tied to")
    username: str | None = Field(default=None, description="the mentor's login (role mentor)")


class MentorVisitIn(_In):
    visited_at: datetime
    mode: Literal["onsite", "remote"] = "onsite"
    summary: str = Field(default="", max_length=20_000)
    actions: str = Field(default="", max_length=20_000)
    confirmed_by_firm: bool = False


class SupplierIn(_In):
    business_number: str
    name: str = Field(min_length=1, max_length=200)
    sigungu: str = Field(default="", max_length=40)
    capability_level: int | None = Field(default=None, ge=1, le=5)
    pool_registered: bool = False
    contact: str = Field(default="", max_length=200)


class SolutionIn(_In):
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=1000)


class SupplierBuildIn(_In):
    firm_name: str = Field(min_length=1, max_length=200)
    firm_business_number: str | None = None
    sigungu: str = Field(default="", max_length=40)
    year: int = Field(ge=2014, le=2100)
    program: str = Field(default="", max_length=200)
    level_achieved: SystemLevel | None = None
    summary: str = Field(default="", max_length=1000)


class QuoteIn(_In):
    supplier_business_number: str
    amount_krw: int = Field(gt=0)
    duration_months: int | None = Field(default=None, ge=1, le=60)
    scope: str = Field(default="", max_length=1000)
    solutions: list[str] = Field(default_factory=list, max_length=30)


VisitIn.model_rebuild()
