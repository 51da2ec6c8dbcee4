from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedText
from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

# Model usages, each with the CustomerUpdateDTO field that picks the default model for it.
MODEL_USAGES = {
    "Topic": "defaultTopicModelId",
    "Webchat": "defaultWebchatModelId",
    "Email": "defaultEmailModelId",
    "Call": "defaultCallModelId",
    "Spam": "defaultSpamModelId",
    "ConditionalRules": "defaultConditionalRulesModelId",
    "Summary": "defaultSummaryModelId",
    "Realtime": "defaultRealtimeModelId",
    "RealtimeTranslation": "defaultRealtimeTranslationModelId",
    "Transcribe": "defaultTranscribeModelId",
}

# Write-only provider secrets: DTO name -> stored name in customer_secret.
SECRET_FIELDS = (
    "apiPassword",
    "apiToken",
    "graphClientSecret",
    "twilioAuthToken",
    "openAIApiKey",
    "openAIAdminApiKey",
    "googleMapsApiKey",
)

# Every non-secret CustomerUpdateDTO field -> Customer attribute (the forms, the DTOs and the
# operations all read this one table).
FIELDS = {
    "apiBaseUrl": "api_base_url",
    "apiUsername": "api_username",
    "apiAuthenticationType": "api_authentication_type",
    "emailProviderType": "email_provider_type",
    "graphTenantID": "graph_tenant_id",
    "graphClientID": "graph_client_id",
    "graphAuthorityURL": "graph_authority_url",
    "graphScope": "graph_scope",
    "imapServer": "imap_server",
    "imapPort": "imap_port",
    "imapUseSsl": "imap_use_ssl",
    "smtpServer": "smtp_server",
    "smtpPort": "smtp_port",
    "smtpUseSsl": "smtp_use_ssl",
    "defaultTopicModelId": "default_topic_model_id",
    "defaultWebchatModelId": "default_webchat_model_id",
    "defaultEmailModelId": "default_email_model_id",
    "defaultCallModelId": "default_call_model_id",
    "defaultSpamModelId": "default_spam_model_id",
    "defaultConditionalRulesModelId": "default_conditional_rules_model_id",
    "defaultSummaryModelId": "default_summary_model_id",
    "defaultRealtimeModelId": "default_realtime_model_id",
    "defaultRealtimeTranslationModelId": "default_realtime_translation_model_id",
    "defaultTranscribeModelId": "default_transcribe_model_id",
    "defaultEmailModelInternetAccessEnabled": "default_email_model_internet_access_enabled",
    "defaultWebchatModelInternetAccessEnabled": "default_webchat_model_internet_access_enabled",
    "defaultCallModelInternetAccessEnabled": "default_call_model_internet_access_enabled",
    "defaultRealtimeModelInternetAccessEnabled": "default_realtime_model_internet_access_enabled",
    "twilioAccountSID": "twilio_account_sid",
    "twilioRegion": "twilio_region",
    "openAIProjectId": "openai_project_id",
    "googleCloudProjectIds": "google_cloud_project_ids",
    "defaultCustomerRepID": "default_customer_rep_id",
    "ticketCleanupRetentionDays": "ticket_cleanup_retention_days",
}


def _model_fk():
    return mapped_column(ForeignKey("ai_model.id", ondelete="SET NULL"), nullable=True)


class Customer(db.Model):
    """A tenant: every other table hangs off one customer."""

    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint("ticket_cleanup_retention_days >= 1", name="retention_positive"),
        CheckConstraint("imap_port IS NULL OR imap_port BETWEEN 1 AND 65535", name="imap_port_range"),
        CheckConstraint("smtp_port IS NULL OR smtp_port BETWEEN 1 AND 65535", name="smtp_port_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    subscription_level: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    api_base_url: Mapped[str | None] = mapped_column(String(500))
    api_username: Mapped[str | None] = mapped_column(String(200))
    api_authentication_type: Mapped[str] = mapped_column(String(20), default="None")

    email_provider_type: Mapped[str] = mapped_column(String(20), default="None")
    graph_tenant_id: Mapped[str | None] = mapped_column(String(100))
    graph_client_id: Mapped[str | None] = mapped_column(String(100))
    graph_authority_url: Mapped[str | None] = mapped_column(String(500))
    graph_scope: Mapped[str | None] = mapped_column(String(500))
    imap_server: Mapped[str | None] = mapped_column(String(255))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_use_ssl: Mapped[bool] = mapped_column(Boolean, default=True)
    smtp_server: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_use_ssl: Mapped[bool] = mapped_column(Boolean, default=True)

    default_topic_model_id: Mapped[int | None] = _model_fk()
    default_webchat_model_id: Mapped[int | None] = _model_fk()
    default_email_model_id: Mapped[int | None] = _model_fk()
    default_call_model_id: Mapped[int | None] = _model_fk()
    default_spam_model_id: Mapped[int | None] = _model_fk()
    default_conditional_rules_model_id: Mapped[int | None] = _model_fk()
    default_summary_model_id: Mapped[int | None] = _model_fk()
    default_realtime_model_id: Mapped[int | None] = _model_fk()
    default_realtime_translation_model_id: Mapped[int | None] = _model_fk()
    default_transcribe_model_id: Mapped[int | None] = _model_fk()

    default_email_model_internet_access_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    default_webchat_model_internet_access_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    default_call_model_internet_access_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    default_realtime_model_internet_access_enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    twilio_account_sid: Mapped[str | None] = mapped_column(String(100))
    twilio_region: Mapped[str | None] = mapped_column(String(50))
    openai_project_id: Mapped[str | None] = mapped_column(String(100))
    google_cloud_project_ids: Mapped[str | None] = mapped_column(String(500))

    default_customer_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("representative.id", ondelete="SET NULL", use_alter=True), nullable=True
    )
    ticket_cleanup_retention_days: Mapped[int] = mapped_column(Integer, default=90)

    secrets: Mapped[list["CustomerSecret"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True
    )

    def secret(self, name: str) -> "CustomerSecret | None":
        return next((s for s in self.secrets if s.name == name), None)


class CustomerSecret(TenantMixin, db.Model):
    """One write-only provider secret, encrypted at rest."""

    __tablename__ = "customer_secret"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(EncryptedText)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="secrets")

    @property
    def last_four(self) -> str:
        return self.value[-4:] if len(self.value) > 8 else ""
