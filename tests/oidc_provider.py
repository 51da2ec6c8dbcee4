"""A real OpenID Connect provider for the tests, served on 127.0.0.1 in a thread.

Discovery, JWKS, an authorization endpoint that consents at once for the configured person, and a
token endpoint that checks the client, the redirect URI, the single-use code and the PKCE verifier
(S256) before it signs an id token with its RSA key (joserfc). Knobs on `Provider` make it lie the
way a test needs: another audience, a nonce of its own, a token signed by a key it never published,
keys or tokens at another address.
"""
import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "switchboard-tests"
CLIENT_SECRET = "provider-client-secret-0042"


@dataclass
class Person:
    email: str
    email_verified: bool = True
    name: str | None = "Sam Signon"
    sub: str = field(default_factory=lambda: secrets.token_hex(8))


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        # Same kid as the published key: a forged token looks right until its signature is checked.
        self.forger = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.issuer = ""
        self.reset()

    def reset(self):
        self.person = Person("sam@sso.example.com")
        self.audience = None  # None: the client id
        self.nonce = None  # None: the nonce the client sent
        self.forge = False
        self.tokens_issued = 0
        self.codes: dict[str, dict] = {}
        # "jwks_uri" / "token_endpoint" -> another base URL to name; "discovery" -> one to redirect to
        self.elsewhere: dict[str, str] = {}
        self.calls: list[str] = []  # host:port/path of every request, in order

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": grant["person"].sub, "aud": self.audience or CLIENT_ID,
            "iat": now, "exp": now + 300, "nonce": self.nonce or grant["nonce"],
            "email": grant["person"].email, "email_verified": grant["person"].email_verified,
        }
        if grant["person"].name:
            claims["name"] = grant["person"].name
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.forger if self.forge else self.key)


def _client_authenticated() -> bool:
    if request.authorization and request.authorization.type == "basic":
        return (request.authorization.username, request.authorization.password) == (CLIENT_ID, CLIENT_SECRET)
    return request.form.get("client_id") == CLIENT_ID and request.form.get("client_secret") == CLIENT_SECRET


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def provider_app(provider: Provider) -> Flask:
    app = Flask("oidc_provider")

    @app.before_request
    def _seen():
        provider.calls.append(request.host + request.path)

    @app.get("/.well-known/openid-configuration")
    def discovery():
        base, elsewhere = provider.issuer, provider.elsewhere
        if "discovery" in elsewhere:
            return redirect(f"{elsewhere['discovery']}/.well-known/openid-configuration")
        return jsonify({
            "issuer": base, "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{elsewhere.get('token_endpoint', base)}/token",
            "jwks_uri": f"{elsewhere.get('jwks_uri', base)}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([provider.key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize():
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            abort(400)
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            abort(400)  # PKCE is required here
        if "openid" not in args.get("scope", "").split() or not args.get("redirect_uri"):
            abort(400)
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {"redirect_uri": args["redirect_uri"], "challenge": args["code_challenge"],
                                "nonce": args.get("nonce"), "person": provider.person}
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}")

    @app.post("/token")
    def token():
        if not _client_authenticated():
            return jsonify(error="invalid_client"), 401
        grant = provider.codes.pop(request.form.get("code", ""), None)  # a code works once
        if request.form.get("grant_type") != "authorization_code" or grant is None:
            return jsonify(error="invalid_grant"), 400
        if request.form.get("redirect_uri") != grant["redirect_uri"]:
            return jsonify(error="invalid_grant", error_description="redirect_uri"), 400
        if _s256(request.form.get("code_verifier", "")) != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE verifier"), 400
        provider.tokens_issued += 1
        return jsonify(access_token=secrets.token_urlsafe(24), token_type="Bearer", expires_in=300,
                       id_token=provider.id_token(grant))

    return app


@pytest.fixture(scope="session")
def _oidc_server():
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider_app(provider), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()


@pytest.fixture
def oidc_provider(_oidc_server, app, monkeypatch) -> Provider:
    """The provider, reset to honest answers for the person sam@sso.example.com. The app may call
    it although it is on loopback: SSO_ALLOWED_HOSTS names its address and port, nothing more."""
    _oidc_server.reset()
    monkeypatch.setitem(app.config, "SSO_ALLOWED_HOSTS", [_oidc_server.issuer.removeprefix("http://")])
    return _oidc_server
