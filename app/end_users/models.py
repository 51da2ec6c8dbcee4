from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Boolean, CheckConstraint, FetchedValue, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.tenancy import TenantMixin
from app.tenancy_fk import same_tenant_fk, tenant_key
from app.timeutil import utcnow

CUSTOMER_TYPES = ("Lead", "Customer", "Partner")


class EndUser(TenantMixin, db.Model):
    """A person in conversations: lead, customer or partner, known by several UIDs."""

    __tablename__ = "end_user"
    __table_args__ = (
        tenant_key(),
        CheckConstraint("customer_type IN ('Lead', 'Customer', 'Partner')", name="type_known"),
        Index("ix_end_user_customer_ref", "customer_id", "customer_ref"),
        Index("ix_end_user_customer_lastname", "customer_id", "lastname"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firstname: Mapped[str | None] = mapped_column(String(100))
    lastname: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(20))
    other_contact_details: Mapped[str | None] = mapped_column(Text)
    ai_documentation: Mapped[str | None] = mapped_column(Text)
    customer_ref: Mapped[str | None] = mapped_column(String(254))
    customer_type: Mapped[str] = mapped_column(String(20), default="Lead")
    country: Mapped[str | None] = mapped_column(String(2))
    lang: Mapped[str | None] = mapped_column(String(5))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # lower-cased profile text and identifiers, kept by app/end_users/search_text.py
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the lastInteractionDate: kept by database triggers on ticket, end_user_uid and end_user (see
    # the migration c5d8e2a1f4b9), so the ORM reads it back after every write instead of setting it
    last_interaction_at: Mapped[datetime | None] = mapped_column(
        server_default=FetchedValue(), server_onupdate=FetchedValue())

    # Joined on the id alone, so that loading identifiers is an index lookup on end_user_id; the
    # composite foreign key (customer_id, end_user_id) already keeps them in the same tenant.
    uids: Mapped[list["EndUserUID"]] = relationship(
        back_populates="end_user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(EndUserUID.is_primary.desc(), EndUserUID.id)",
        primaryjoin="EndUser.id == foreign(EndUserUID.end_user_id)",
    )

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.firstname, self.lastname) if p)


class EndUserUID(TenantMixin, db.Model):
    """One identifier of an end user (e-mail, phone, WhatsApp, external id...).

    uid_lookup is the case-folded value: an identifier belongs to at most one end user per
    tenant and type, and lookups use it through an index.
    """

    __tablename__ = "end_user_uid"
    __table_args__ = (
        same_tenant_fk("end_user_id", "end_user", ondelete="CASCADE"),
        UniqueConstraint("customer_id", "uid_type", "uid_lookup"),
        Index("ix_end_user_uid_lookup", "customer_id", "uid_lookup"),
        Index("ix_end_user_uid_number", "customer_id", "uid_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    end_user_id: Mapped[int] = mapped_column(Integer, index=True)
    uid_type: Mapped[str] = mapped_column(String(20), default="Email")
    uid: Mapped[str] = mapped_column(String(254))
    uid_lookup: Mapped[str] = mapped_column(String(254))
    # A value of the tenant's own types (Mobile, Fax...) that reads as a phone number, in E.164:
    # duplicate suggestions meet it with Phone and WhatsApp rows through an index.
    uid_number: Mapped[str | None] = mapped_column(String(254))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    end_user: Mapped[EndUser] = relationship(
        back_populates="uids",
        primaryjoin="EndUser.id == foreign(EndUserUID.end_user_id)",
    )

    @validates("uid")
    def _keep_lookup(self, _key, value):
        self.uid_lookup = lookup_key(value)
        self.uid_number = free_form_number(self.uid_type, value)
        return value

    @validates("uid_type")
    def _keep_number(self, _key, value):
        self.uid_number = free_form_number(value, self.uid)
        return value


# Types whose values are never read as a free-form phone number: the known ones are normalised
# already (app/end_users/identifiers.py) and a customerRef is a reference.
NOT_FREE_FORM = ("Email", "Phone", "WhatsApp", "CustomerRef")


def free_form_number(uid_type: str | None, value: str | None) -> str | None:
    """E.164 of a value of the tenant's own type that reads as a phone number (region BE when it
    has no country code), else None."""
    if not value or (uid_type or "Email") in NOT_FREE_FORM:
        return None
    from app.end_users.identifiers import parse_phone  # identifiers imports this module

    number = parse_phone(value)
    return number.lower() if number else None


_LOOKUPS: dict[str, str] = {}  # value -> its lookup key: an import asks for each value several times
_LOOKUPS_MAX = 8192


def lookup_key(value: str | None) -> str | None:
    """The case-insensitive form under which identifiers are stored and searched. An e-mail address
    is first put in email-validator's normalised form (NFC, domain as lower-case U-label), so every
    spelling of one address meets: identifiers, lookups and Ticket.uid_lookup alike."""
    if value is None:
        return None
    found = _LOOKUPS.get(value)
    if found is None:
        found = _remember(value, _lookup_key(value))
    return found


def _remember(value: str, key: str) -> str:
    if len(_LOOKUPS) >= _LOOKUPS_MAX:
        _LOOKUPS.clear()
    _LOOKUPS[value] = key
    return key


def remember_normalised_email(address: str) -> None:
    """An address email-validator has just normalised is its own lookup key, lower-cased: the
    form's normalising saves lookup_key a second validation of the same address."""
    _remember(address, address.lower())


def _lookup_key(value: str) -> str:
    value = value.strip()
    if "@" in value and len(value) <= 254:  # longer is no address (and costly to check)
        try:
            value = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            pass
    return value.lower()
