"""CustomerUpdateDTO: the one validation source for the settings pages and PUT /api/Customers/me.

One form class per settings group (each settings page saves one group); `CustomerUpdateForm`
inherits them all, so the API runs exactly the same rules. Field names are the DTO names.
Rules that need the database (models, representatives) read the customer given to the form.
"""
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.auth.models import Representative
from app.catalog.models import AIModel
from app.customers.models import FIELDS
from app.extensions import db
from app.labels import labelled

API_AUTH_TYPES = ("None", "Basic", "Bearer", "ApiKey")
EMAIL_PROVIDER_TYPES = ("None", "Graph", "ImapSmtp")
# Usages whose channel has a default internet-access flag next to its default model.
INTERNET_ACCESS_FIELDS = {
    "Email": "defaultEmailModelInternetAccessEnabled",
    "Webchat": "defaultWebchatModelInternetAccessEnabled",
    "Call": "defaultCallModelInternetAccessEnabled",
    "Realtime": "defaultRealtimeModelInternetAccessEnabled",
}


MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number would be a database error, not a miss


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class HttpUrl:
    """An absolute http(s) URL with a host."""

    message = "Enter an absolute http:// or https:// URL."

    def __call__(self, form, field):
        value = field.data
        if not value:
            return
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises ValueError for a bad port)
        except ValueError:
            raise ValidationError(self.message) from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise ValidationError(self.message)


class DefaultModelFor:
    """A default model must be visible, active, allowed by the plan and made for this usage.

    A value equal to the stored one is accepted as is, so a model that was retired (or a plan
    that was lowered) after it was chosen does not block saving the other settings.
    """

    def __init__(self, usage: str):
        self.usage = usage

    def __call__(self, form, field):
        customer = form.customer
        if field.data is None or field.data == stored_value(customer, field.name):
            return
        model = db.session.get(AIModel, field.data) if 0 < field.data <= MAX_ID else None
        if model is None or model.customer_id not in (None, customer.id):
            raise ValidationError("Unknown model.")
        if not model.is_active:
            raise ValidationError(f"{model.model_name} is not active.")
        if model.required_subscription_level > customer.subscription_level:
            raise ValidationError(
                f"{model.model_name} needs subscription level {model.required_subscription_level}; "
                f"this account has level {customer.subscription_level}."
            )
        if self.usage not in (model.compatible_usages or []):
            raise ValidationError(f"{model.model_name} cannot be used for {self.usage}.")


class SameTenantRepresentative:
    def __call__(self, form, field):
        if field.data is None or field.data == stored_value(form.customer, field.name):
            return
        rep = db.session.get(Representative, field.data) if 0 < field.data <= MAX_ID else None
        if rep is None or rep.customer_id != form.customer.id:
            raise ValidationError("Unknown representative.")
        if not rep.is_active:
            raise ValidationError("This representative is deactivated.")


def stored_value(customer, dto_name: str):
    return getattr(customer, FIELDS[dto_name]) if customer is not None else None


def _text(label, max_length, *extra, **kwargs):
    return StringField(label, [Optional(), Length(max=max_length), *extra], filters=[blank_to_none], **kwargs)


def _secret(label, max_length=4000):
    return PasswordField(label, [Optional(), Length(max=max_length)])


def _port(label):
    return IntegerField(label, [Optional(), NumberRange(min=1, max=65535, message="Must be a port between 1 and 65535.")])


def _model(usage):
    return IntegerField(f"Default {usage} model", [Optional(), DefaultModelFor(usage)])


class SettingsForm(FlaskForm):
    """Base of every settings group: carries the customer the rules are checked against."""

    def __init__(self, *args, customer=None, **kwargs):
        self.customer = customer
        super().__init__(*args, **kwargs)

    def applicable(self) -> list[str]:
        """The fields that apply with the current values (the page shows and saves only these)."""
        return [f.name for f in self if f.name != "csrf_token"]


class ApiConnectorForm(SettingsForm):
    apiBaseUrl = _text("Base URL", 500, HttpUrl())
    apiAuthenticationType = SelectField("Authentication", [InputRequired()], choices=labelled(API_AUTH_TYPES), default="None")
    apiUsername = _text("Username", 200)
    apiPassword = _secret("Password")
    apiToken = _secret("Token")

    def applicable(self):
        auth = self.apiAuthenticationType.data
        extra = {"Basic": ["apiUsername", "apiPassword"], "Bearer": ["apiToken"], "ApiKey": ["apiToken"]}
        return ["apiBaseUrl", "apiAuthenticationType", *extra.get(auth, [])]


class EmailProviderForm(SettingsForm):
    emailProviderType = SelectField("E-mail provider", [InputRequired()], choices=labelled(EMAIL_PROVIDER_TYPES), default="None")
    graphTenantID = _text("Graph tenant ID", 100)
    graphClientID = _text("Graph client ID", 100)
    graphClientSecret = _secret("Graph client secret")
    graphAuthorityURL = _text("Graph authority URL", 500, HttpUrl())
    graphScope = _text("Graph scope", 500)
    imapServer = _text("IMAP server", 255)
    imapPort = _port("IMAP port")
    imapUseSsl = BooleanField("IMAP uses TLS", default=True)
    smtpServer = _text("SMTP server", 255)
    smtpPort = _port("SMTP port")
    smtpUseSsl = BooleanField("SMTP uses TLS", default=True)

    GRAPH = ["graphTenantID", "graphClientID", "graphClientSecret", "graphAuthorityURL", "graphScope"]
    IMAP_SMTP = ["imapServer", "imapPort", "imapUseSsl", "smtpServer", "smtpPort", "smtpUseSsl"]

    def applicable(self):
        extra = {"Graph": self.GRAPH, "ImapSmtp": self.IMAP_SMTP}
        return ["emailProviderType", *extra.get(self.emailProviderType.data, [])]


class AiModelsForm(SettingsForm):
    defaultTopicModelId = _model("Topic")
    defaultWebchatModelId = _model("Webchat")
    defaultEmailModelId = _model("Email")
    defaultCallModelId = _model("Call")
    defaultSpamModelId = _model("Spam")
    defaultConditionalRulesModelId = _model("ConditionalRules")
    defaultSummaryModelId = _model("Summary")
    defaultRealtimeModelId = _model("Realtime")
    defaultRealtimeTranslationModelId = _model("RealtimeTranslation")
    defaultTranscribeModelId = _model("Transcribe")
    defaultEmailModelInternetAccessEnabled = BooleanField("Internet access")
    defaultWebchatModelInternetAccessEnabled = BooleanField("Internet access")
    defaultCallModelInternetAccessEnabled = BooleanField("Internet access")
    defaultRealtimeModelInternetAccessEnabled = BooleanField("Internet access")


class ProviderSecretsForm(SettingsForm):
    twilioAccountSID = _text("Twilio account SID", 100)
    twilioAuthToken = _secret("Twilio auth token")
    twilioRegion = _text("Twilio region", 50)
    openAIApiKey = _secret("OpenAI API key")
    openAIProjectId = _text("OpenAI project ID", 100)
    openAIAdminApiKey = _secret("OpenAI admin API key")
    googleMapsApiKey = _secret("Google Maps API key")
    googleCloudProjectIds = _text("Google Cloud project IDs", 500, description="Comma-separated.")


class OperationalDefaultsForm(SettingsForm):
    defaultCustomerRepID = IntegerField("Default representative", [Optional(), SameTenantRepresentative()])
    ticketCleanupRetentionDays = IntegerField(
        "Ticket retention (days)",
        [InputRequired(), NumberRange(min=1, max=36500, message="Must be between 1 and 36500 days.")],
        default=90,
    )


class CustomerUpdateForm(ApiConnectorForm, EmailProviderForm, AiModelsForm, ProviderSecretsForm, OperationalDefaultsForm):
    """The whole CustomerUpdateDTO, for PUT /api/Customers/me."""

    def applicable(self):
        return SettingsForm.applicable(self)


# Settings pages: URL slug -> (tab title, form class).
GROUPS = {
    "connector": ("Outbound API connector", ApiConnectorForm),
    "email": ("E-mail provider", EmailProviderForm),
    "models": ("AI models", AiModelsForm),
    "secrets": ("Provider secrets", ProviderSecretsForm),
    "operations": ("Operational defaults", OperationalDefaultsForm),
}

# Fields that are never null; `null` for them is a 400 rather than a silent default.
NOT_NULLABLE = (
    "apiAuthenticationType", "emailProviderType", "imapUseSsl", "smtpUseSsl",
    "ticketCleanupRetentionDays", *INTERNET_ACCESS_FIELDS.values(),
)
