"""The single sign-on settings form: the one validation source for the SSO settings page."""
from urllib.parse import urlsplit

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.auth.emails import InvalidEmail, normalize_email
from app.customers.forms import blank_to_none
from app.customers.outbound import Refused, Unresolvable, checked_address
from app.sso.transport import SERVICE


def issuer_allowed(parts) -> bool:
    """https only; plain http only to a host listed in SSO_HTTP_ISSUER_HOSTS (the tests' provider on
    127.0.0.1), since the client secret and the id tokens travel over this connection."""
    if parts.scheme.lower() == "https":
        return True
    return parts.hostname in current_app.config.get("SSO_HTTP_ISSUER_HOSTS", ())


def issuer_url(form, field):
    value = field.data
    if not value:
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise ValidationError("Enter the issuer as an absolute https:// URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValidationError("Enter the issuer as an absolute https:// URL.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError("The issuer has no query, fragment or user name (it is the provider's base URL).")
    if not issuer_allowed(parts):
        raise ValidationError("The issuer must use https://.")
    _public(parts)


def _public(parts):
    """The guard every call to the provider passes (app/sso/transport.py), told at once. A name that
    does not resolve now is left to sign-in time, where it is refused until it resolves to a public
    address."""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        checked_address(parts.hostname, port, current_app.config.get("SSO_ALLOWED_HOSTS", ()), service=SERVICE)
    except Unresolvable:
        return
    except Refused as exc:
        raise ValidationError(str(exc)) from None


def email_domain(form, field):
    """The domain as e-mail addresses carry it after normalisation (lower case, IDNA U-label)."""
    if not field.data:
        return
    domain = field.data.strip().lstrip("@")
    try:
        field.data = normalize_email(f"sso@{domain}").partition("@")[2]
    except InvalidEmail:
        raise ValidationError("Enter a domain such as example.com.") from None


class SsoSettingsForm(FlaskForm):
    enabled = BooleanField("Offer single sign-on on the login page")
    issuer = StringField("Issuer URL", [Optional(), Length(max=500), issuer_url], filters=[blank_to_none])
    clientId = StringField("Client ID", [Optional(), Length(max=200)], filters=[blank_to_none])
    clientSecret = PasswordField("Client secret", [Optional(), Length(max=4000)])
    allowedDomain = StringField("Allowed e-mail domain", [Optional(), Length(max=253), email_domain],
                                filters=[blank_to_none])
    createAgents = BooleanField("Create people not yet in Switchboard as Agents")

    REQUIRED_WHEN_ENABLED = ("issuer", "clientId", "allowedDomain")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.enabled.data:
            for name in self.REQUIRED_WHEN_ENABLED:
                if not self[name].data and not self[name].errors:
                    self[name].errors.append("Required to offer single sign-on.")
                    ok = False
        return ok
