"""Who may see which firm at the center.

Center admins and consultants (and the tenant's plant ``admin``) work on every firm of the center's
tenant; a mentor sees the firms of their confirmed assignments; a firm user sees only the firm it is
linked to. Everything here takes the caller's :class:`Principal`, so pages, API and CLI agree.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.center.tables import Firm, FirmMember, Mentor, MentorAssignment
from jejo.core.errors import Forbidden, NotFound, Problem, ValidationError
from jejo.masterdata.tables import User
from jejo.masterdata.users import Principal

STAFF_ROLES = frozenset({"admin", "center_admin", "consultant"})


def is_staff(who: Principal) -> bool:
    """Center admin, consultant or the tenant's admin: sees and edits every firm."""
    return bool(STAFF_ROLES & set(who.roles)) or "admin" in who.scopes


def is_mentor(who: Principal) -> bool:
    return "mentor" in who.roles


def is_firm_user(who: Principal) -> bool:
    return "firm_user" in who.roles


def require_staff(who: Principal) -> None:
    if not is_staff(who):
        raise Forbidden("this needs the center admin or consultant role")


def mentor_of(session: Session, who: Principal) -> Mentor | None:
    """The mentor record linked to the caller's login, if any."""
    if who.user_id is None:
        return None
    return session.scalar(
        select(Mentor).where(Mentor.company_id == who.company_id, Mentor.user_id == who.user_id)
    )


def member_firm_id(session: Session, who: Principal) -> uuid.UUID | None:
    """The one firm a firm user is linked to."""
    if who.user_id is None:
        return None
    return session.scalar(
        select(FirmMember.firm_id).where(
            FirmMember.company_id == who.company_id, FirmMember.user_id == who.user_id
        )
    )


def visible_firm_ids(session: Session, who: Principal) -> set[uuid.UUID] | None:
    """The firms the caller may see: ``None`` means all firms of the tenant."""
    if is_staff(who):
        return None
    seen: set[uuid.UUID] = set()
    if is_firm_user(who):
        fid = member_firm_id(session, who)
        if fid is not None:
            seen.add(fid)
    if is_mentor(who):
        mentor = mentor_of(session, who)
        if mentor is not None:
            seen |= set(
                session.scalars(
                    select(MentorAssignment.firm_id).where(
                        MentorAssignment.mentor_id == mentor.id, MentorAssignment.status == "confirmed"
                    )
                )
            )
    return seen


def can_see_firm(session: Session, who: Principal, firm_id: uuid.UUID) -> bool:
    seen = visible_firm_ids(session, who)
    return seen is None or firm_id in seen


def get_firm(session: Session, company_id: int, firm_id: uuid.UUID | str) -> Firm:
    """A firm of the center's tenant by id (UUID or its text); NotFound otherwise."""
    try:
        fid = firm_id if isinstance(firm_id, uuid.UUID) else uuid.UUID(str(firm_id))
    except ValueError as exc:
        raise NotFound(f"firm {firm_id} not found") from exc
    firm = session.get(Firm, fid)
    if firm is None or firm.company_id != company_id:
        raise NotFound(f"firm {firm_id} not found")
    return firm


def firm_for(session: Session, who: Principal, firm_id: uuid.UUID | str, *, write: bool = False) -> Firm:
    """The firm if the caller may see it (and edit it when ``write``); a firm the caller may not see is
    answered as not found, so that its existence does not leak."""
    firm = get_firm(session, who.company_id, firm_id)
    if not can_see_firm(session, who, firm.id):
        raise NotFound(f"firm {firm_id} not found")
    if write and not is_staff(who):
        raise Forbidden("this needs the center admin or consultant role")
    return firm


def link_firm_user(session: Session, company_id: int, username: str, firm_id: uuid.UUID) -> FirmMember:
    """Give a login (role ``firm_user``) access to one firm; a user is linked to one firm only."""
    user = session.scalar(select(User).where(User.company_id == company_id, User.username == username))
    if user is None:
        raise ValidationError(
            "not linked", [Problem(reason=f"user {username!r} not found", field="username")]
        )
    if "firm_user" not in user.roles:
        raise ValidationError(
            "not linked", [Problem(reason="the user needs the firm_user role", field="username")]
        )
    get_firm(session, company_id, firm_id)
    member = session.scalar(select(FirmMember).where(FirmMember.user_id == user.id))
    if member is None:
        member = FirmMember(company_id=company_id, user_id=user.id, firm_id=firm_id)
        session.add(member)
    else:
        member.firm_id = firm_id
    session.flush()
    return member
