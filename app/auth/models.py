from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

ROLES = ("Admin", "Agent")
POLICIES = {
    "ManageSettings": {"Admin"},
    "TicketAccess": {"Admin", "Agent"},
}


class RepresentativeFacts:
    """What the row and its request-time snapshot (AuthorisedRepresentative) both answer, from
    their role, name and email."""

    @property
    def roles(self) -> list[str]:
        return [self.role]

    def has_policy(self, policy: str) -> bool:
        return self.role in POLICIES[policy]

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Representative(RepresentativeFacts, UserMixin, TenantMixin, db.Model):
    """A person who logs in to the console or the API, in exactly one customer."""

    __tablename__ = "representative"
    __table_args__ = (CheckConstraint("role IN ('Admin', 'Agent')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="Agent")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Bumped by sign-out, deactivation, a role or password change: every session and token
    # that carries an older number stops working (app/auth/views.py, app/auth/policies.py).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 0) + 1


@dataclass(frozen=True)
class AuthorisedRepresentative(RepresentativeFacts):
    """The columns a token or session is checked against, read as one plain row (no ORM object):
    the API's hot path needs only these and the actor's name."""

    id: int
    customer_id: int
    email: str
    name: str | None
    role: str
    is_active: bool
    session_version: int

    COLUMNS = ("id", "customer_id", "email", "name", "role", "is_active", "session_version")
