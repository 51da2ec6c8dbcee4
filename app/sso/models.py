"""A tenant's OpenID Connect settings: people of one e-mail domain sign in through its provider."""
from datetime import datetime

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import EncryptedText
from app.extensions import db
from app.tenancy import TenantMixin

# SsoSettingsForm field -> SsoSettings attribute (the form, the audit snapshot and the operation read this).
FIELDS = {
    "enabled": "enabled",
    "issuer": "issuer",
    "clientId": "client_id",
    "allowedDomain": "allowed_domain",
    "createAgents": "create_agents",
}
SECRET = "clientSecret"


class SsoSettings(TenantMixin, db.Model):
    """One row per tenant that has configured single sign-on. A domain belongs to one tenant only:
    the login page picks the tenant from the e-mail's domain."""

    __tablename__ = "sso_settings"
    __table_args__ = (
        UniqueConstraint("customer_id"),
        UniqueConstraint("allowed_domain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    issuer: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(200))
    client_secret: Mapped[str | None] = mapped_column(EncryptedText)
    secret_changed_at: Mapped[datetime | None] = mapped_column()
    allowed_domain: Mapped[str | None] = mapped_column(String(253))
    create_agents: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def usable(self) -> bool:
        return bool(self.enabled and self.issuer and self.client_id and self.allowed_domain)

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"
