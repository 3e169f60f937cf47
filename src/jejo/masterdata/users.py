"""Companies, users (argon2 password hashes) and scoped API tokens for machines and collectors."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.core.errors import Conflict, NotFound, Problem, Unauthorized, ValidationError
from jejo.core.ids import is_valid_code
from jejo.core.tenancy import Company
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import ApiToken, User

#: center roles (jejo.center): a center admin and consultants work on every firm of the center's tenant;
#: a mentor sees only the firms assigned to them; a firm user only its own firm
CENTER_ROLES = ("center_admin", "consultant", "mentor", "firm_user")
ROLES = ("operator", "supervisor", "manager", "quality", "maintenance", "admin", *CENTER_ROLES)
#: what each scope lets a token do; a user's roles imply scopes (see ``scopes_for_roles``)
SCOPES = (
    "read",
    "events:write",
    "masterdata:write",
    "workorders:write",
    "admin",
    "center:read",
    "center:write",
)
TOKEN_PREFIX = "jejo_"

_hasher = PasswordHasher()


def scopes_for_roles(roles: list[str]) -> set[str]:
    scopes = {"read"}
    if set(roles) & {"operator", "supervisor", "manager", "quality", "maintenance", "admin"}:
        scopes.add("events:write")
    if set(roles) & {"supervisor", "manager", "admin"}:
        scopes.add("workorders:write")
    if set(roles) & {"manager", "admin"}:
        scopes.add("masterdata:write")
    if "admin" in roles:
        scopes.add("admin")
    if set(roles) & set(CENTER_ROLES):
        scopes.add("center:read")
    if set(roles) & {"center_admin", "consultant"}:
        scopes.add("center:write")
    return scopes


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or a token, always of exactly one company."""

    company_id: int
    name: str
    scopes: frozenset[str]
    roles: tuple[str, ...] = ()
    user_id: int | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def create_company(session: Session, code: str, name: str, business_number: str | None = None) -> Company:
    if not is_valid_code(code):
        raise ValidationError("company not created", [Problem(reason="invalid code", field="code")])
    if session.scalar(select(Company.id).where(Company.code == code)):
        raise Conflict(f"company {code} already exists")
    company = Company(code=code, name=name, business_number=business_number)
    session.add(company)
    session.flush()
    return company


def get_company(session: Session, code: str) -> Company:
    company = session.scalar(select(Company).where(Company.code == code))
    if company is None:
        raise NotFound(f"company {code} not found")
    return company


def create_user(
    session: Session,
    company_id: int,
    username: str,
    password: str,
    roles: list[str],
    display_name: str | None = None,
    locale: str = "ko",
) -> User:
    problems = []
    if not is_valid_code(username):
        problems.append(Problem(reason="letters, digits and . _ - only", field="username"))
    if len(password) < 8:
        problems.append(Problem(reason="at least 8 characters", field="password"))
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        problems.append(Problem(reason=f"roles must be among {', '.join(ROLES)}", field="roles"))
    if problems:
        raise ValidationError("user not created", problems)
    if session.scalar(select(User.id).where(User.company_id == company_id, User.username == username)):
        raise Conflict(
            f"user {username} already exists", [Problem(reason="already exists", field="username")]
        )
    user = User(
        company_id=company_id,
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        roles=list(roles),
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, company_code: str | None, username: str, password: str) -> User:
    """Check a password. Without a company code the username must be unique across companies."""
    stmt = select(User).where(User.username == username, User.active)
    if company_code:
        stmt = stmt.join(Company, Company.id == User.company_id).where(Company.code == company_code)
    users = list(session.scalars(stmt))
    if len(users) == 1:
        user = users[0]
        try:
            _hasher.verify(user.password_hash, password)
            return user
        except (VerifyMismatchError, InvalidHashError):
            pass
    raise Unauthorized("wrong company, username or password")


def principal_for_user(user: User) -> Principal:
    return Principal(
        user.company_id, user.username, frozenset(scopes_for_roles(user.roles)), tuple(user.roles), user.id
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, company_id: int, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValidationError(
            "token not created", [Problem(reason=f"scopes must be among {', '.join(SCOPES)}", field="scopes")]
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        company_id=company_id,
        name=name,
        prefix=secret[:12],
        token_hash=_hash_token(secret),
        scopes=list(scopes),
        roles=[],
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def principal_for_token(session: Session, secret: str) -> Principal:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= utcnow()):
        raise Unauthorized("invalid, revoked or expired token")
    return Principal(token.company_id, f"token:{token.name}", frozenset(token.scopes))


def revoke_token(session: Session, company_id: int, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.company_id != company_id:
        raise NotFound(f"token {token_id} not found")
    token.revoked_at = utcnow()
