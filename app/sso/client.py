"""The tenant's OpenID provider through Authlib's Flask client, registered at request time from
the tenant's settings and the provider's discovery document.

Authlib keeps state, nonce and the PKCE verifier in the session, checks the state on the way back,
and verifies the id token (signature against the provider's JWKS, issuer, audience = client id,
expiry, nonce). What is left here: the discovery document must name the configured issuer, an
answer without an id token is refused, and the e-mail must be verified and in the tenant's domain.
Authlib's calls to the provider go through the outbound guard (app/sso/transport.py).
"""
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc.errors import JoseError

from app.customers.outbound import Refused, Unresolvable
from app.sso.models import SsoSettings
from app.sso.transport import GuardedOAuth2App


class SsoRefused(Exception):
    """The provider's answer does not sign anyone in; the message is for the person."""


@dataclass(frozen=True)
class Identity:
    email: str
    name: str | None


def provider(settings: SsoSettings):
    oauth = OAuth(current_app._get_current_object())  # a registry per request: settings may change any time
    return oauth.register(
        f"sso_{settings.customer_id}",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_cls=GuardedOAuth2App,
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic" if settings.client_secret else "none",
            "default_timeout": current_app.config.get("SSO_HTTP_TIMEOUT", 10),
        },
    )


def _refused_address(settings: SsoSettings, exc: Refused) -> SsoRefused:
    current_app.logger.warning("SSO call refused for customer %s: %s", settings.customer_id, exc)
    if isinstance(exc, Unresolvable):
        return SsoRefused("The identity provider cannot be reached; try again later.")
    return SsoRefused("The identity provider is at an address Switchboard does not connect to "
                      "(loopback, private or reserved); ask an administrator of your account.")


def _metadata(client, settings: SsoSettings) -> dict:
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != settings.issuer:  # OpenID Connect Discovery 1.0, section 4.3
        raise SsoRefused("The identity provider's configuration names another issuer.")
    return metadata


def authorize_redirect(settings: SsoSettings, redirect_uri: str, login_hint: str):
    client = provider(settings)
    try:
        _metadata(client, settings)
        return client.authorize_redirect(redirect_uri, login_hint=login_hint)
    except Refused as exc:
        raise _refused_address(settings, exc) from None
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        current_app.logger.warning("SSO discovery failed for customer %s: %s", settings.customer_id, type(exc).__name__)
        raise SsoRefused("The identity provider cannot be reached; try again later.") from None


def identity_from_callback(settings: SsoSettings) -> Identity:
    """The verified person of this callback, or SsoRefused."""
    client = provider(settings)
    try:
        _metadata(client, settings)
        token = client.authorize_access_token()
    except Refused as exc:
        raise _refused_address(settings, exc) from None
    except AuthlibBaseError as exc:
        current_app.logger.info("SSO refused for customer %s: %s", settings.customer_id, getattr(exc, "error", type(exc).__name__))
        raise SsoRefused("Single sign-on did not complete; start again.") from None
    except JoseError as exc:
        current_app.logger.warning("SSO id token refused for customer %s: %s", settings.customer_id, getattr(exc, "error", type(exc).__name__))
        raise SsoRefused("The identity provider's answer could not be verified.") from None
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        current_app.logger.warning("SSO token request failed for customer %s: %s", settings.customer_id,
                                   type(exc).__name__)
        raise SsoRefused("The identity provider cannot be reached; try again later.") from None
    claims = token.get("userinfo")
    if not claims:  # Authlib verifies an id token only when there is one
        raise SsoRefused("The identity provider's answer could not be verified.")
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        raise SsoRefused("The identity provider did not confirm your e-mail address.")
    name = claims.get("name")
    return Identity(email, name if isinstance(name, str) else None)
