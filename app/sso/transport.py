"""Every call the server makes to a tenant's identity provider (discovery, JWKS, token) goes through
the outbound guard of app/customers/outbound.py: a tenant admin types the issuer, and the discovery
document names the other URLs, so without it the server would fetch internal addresses for them.

The check runs where the connection is made (each new connection, redirects included) and the
socket goes to the very address that was checked. No proxy from the environment: it would carry
the request past the check. SSO_ALLOWED_HOSTS names the exceptions (an internal Keycloak; the
tests' provider on 127.0.0.1).
"""
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from app.customers.outbound import checked_address

SERVICE = "Single sign-on"


def _guarded_connection(base: type, allowed: tuple[str, ...]) -> type:
    class Guarded(base):
        def _new_conn(self):
            address = checked_address(self.host, self.port, allowed, service=SERVICE)
            name = self._dns_host  # urllib3 connects to _dns_host; host (TLS name, Host header) stays the name
            self._dns_host = address
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    return Guarded


class GuardedAdapter(HTTPAdapter):
    def __init__(self, allowed: tuple[str, ...]):
        self.allowed = allowed
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedPool", (HTTPConnectionPool,),
                         {"ConnectionCls": _guarded_connection(HTTPConnection, self.allowed)}),
            "https": type("GuardedTLSPool", (HTTPSConnectionPool,),
                          {"ConnectionCls": _guarded_connection(HTTPSConnection, self.allowed)}),
        }


class GuardedSession(OAuth2Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trust_env = False
        adapter = GuardedAdapter(tuple(current_app.config.get("SSO_ALLOWED_HOSTS", ())))
        self.mount("http://", adapter)
        self.mount("https://", adapter)


class GuardedOAuth2App(FlaskOAuth2App):
    """Authlib's Flask client, with every session it opens guarded."""

    client_cls = GuardedSession
