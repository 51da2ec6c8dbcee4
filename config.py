"""Configuration classes, read from the environment.

Development needs no configuration: SQLite and generated keys live under ``instance/``.
Production refuses to start without real keys.
"""
import json
import os
import secrets
import tempfile
from pathlib import Path

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SWITCHBOARD_INSTANCE_DIR", BASE_DIR / "instance"))


def _instance_keys() -> dict:
    """Keys generated once for development and kept in instance/dev-keys.json."""
    path = INSTANCE_DIR / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys


def _split_keys(value: str | None) -> list[str]:
    """SECRET_ENCRYPTION_KEYS is a comma-separated list, newest key first (for rotation)."""
    return [k.strip() for k in (value or "").split(",") if k.strip()]


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'switchboard.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    JWT_SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY")
    SECRET_ENCRYPTION_KEYS = _split_keys(os.environ.get("SECRET_ENCRYPTION_KEYS"))
    JWT_ISSUER = os.environ.get("JWT_ISSUER", "switchboard")
    JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "switchboard-api")
    JWT_LIFETIME_SECONDS = int(os.environ.get("JWT_LIFETIME_SECONDS", 3600))
    PHONE_JWT_LIFETIME_SECONDS = int(os.environ.get("PHONE_JWT_LIFETIME_SECONDS", 300))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "clock-window"  # one storage round trip per limit and request (app/ratelimit_window.py)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Failed logins per (account, client address): one stranger slows only their own guesses...
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per minute;30 per hour")
    # ...and per account from everywhere, a ceiling no single address can reach alone (30 < 300).
    LOGIN_ACCOUNT_CEILING = os.environ.get("LOGIN_ACCOUNT_CEILING", "300 per hour")
    # memory:// counts per process: production refuses it unless this says only one process runs.
    RATELIMIT_SINGLE_PROCESS = os.environ.get("RATELIMIT_SINGLE_PROCESS", "").lower() in ("1", "true", "yes")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    API_KEY_RATE_LIMIT = os.environ.get("API_KEY_RATE_LIMIT", "300 per minute")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    CONNECTION_TEST_TIMEOUT = float(os.environ.get("CONNECTION_TEST_TIMEOUT", 5))
    # Hosts (or host:port) "Test connection" may reach although they are private (app/customers/outbound.py).
    CONNECTION_TEST_ALLOWED_HOSTS = _split_keys(os.environ.get("CONNECTION_TEST_ALLOWED_HOSTS"))
    # Argon2id cost of password and channel-secret hashes (argon2-cffi's defaults: RFC 9106's low-memory choice).
    PASSWORD_HASH_TIME_COST = int(os.environ.get("PASSWORD_HASH_TIME_COST", DEFAULT_TIME_COST))
    PASSWORD_HASH_MEMORY_COST = int(os.environ.get("PASSWORD_HASH_MEMORY_COST", DEFAULT_MEMORY_COST))
    PASSWORD_HASH_PARALLELISM = int(os.environ.get("PASSWORD_HASH_PARALLELISM", DEFAULT_PARALLELISM))
    # Audit events older than this many days are deleted by `flask --app wsgi prune-audit` (checked by check_config).
    AUDIT_RETENTION_DAYS = os.environ.get("AUDIT_RETENTION_DAYS", "365")
    # Single sign-on issuers must be https://; plain http:// only on these hosts (comma-separated; for tests).
    SSO_HTTP_ISSUER_HOSTS = tuple(h.strip() for h in os.environ.get("SSO_HTTP_ISSUER_HOSTS", "").split(",") if h.strip())
    SSO_HTTP_TIMEOUT = float(os.environ.get("SSO_HTTP_TIMEOUT", "10"))
    # Background jobs (app/jobs/): huey on Redis when REDIS_URL is set (workers: flask --app wsgi jobs-worker),
    # else on a SQLite file in instance/ with a worker thread in each app process.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_QUEUE_FILE = os.environ.get("JOBS_QUEUE_FILE", str(INSTANCE_DIR / "jobs-queue.db"))
    JOBS_EMBEDDED_WORKER = True
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))


class DevelopmentConfig(Config):
    DEBUG = False  # the Werkzeug debugger would show stack traces and locals

    def __init__(self):
        keys = _instance_keys()
        self.SECRET_KEY = self.SECRET_KEY or keys["SECRET_KEY"]
        self.JWT_SIGNING_KEY = self.JWT_SIGNING_KEY or keys["JWT_SIGNING_KEY"]
        self.SECRET_ENCRYPTION_KEYS = self.SECRET_ENCRYPTION_KEYS or _split_keys(
            keys["SECRET_ENCRYPTION_KEYS"]
        )


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SECRET_KEY = "test-secret-key"
    JWT_SIGNING_KEY = "test-jwt-signing-key-that-is-long-enough-for-hs256"
    SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    LOGIN_RATE_LIMIT = "1000 per minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "1000 per minute"
    LOGIN_ACCOUNT_CEILING = "1000 per minute"
    API_RATE_LIMIT = "100000 per minute"
    API_KEY_RATE_LIMIT = "100000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    # The cheapest Argon2id: hashing is not what the tests test, and each tenant fixture hashes twice.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 8
    PASSWORD_HASH_PARALLELISM = 1
    SSO_HTTP_ISSUER_HOSTS = ("127.0.0.1",)  # the tests' OpenID provider (tests/oidc_provider.py)
    # Tests run queued jobs themselves (app.jobs.queue.run_queued) or start the worker when they want it.
    JOBS_EMBEDDED_WORKER = False
    REDIS_URL = None
    JOBS_QUEUE_FILE = str(Path(tempfile.mkdtemp(prefix="switchboard-jobs-")) / "queue.db")  # one per test process


MIN_KEY_LENGTH = 32


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self):
        missing = [
            name
            for name in ("SECRET_KEY", "JWT_SIGNING_KEY", "SECRET_ENCRYPTION_KEYS")
            if not getattr(self, name)
        ]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        for name in ("SECRET_KEY", "JWT_SIGNING_KEY"):
            if len(getattr(self, name)) < MIN_KEY_LENGTH:
                raise RuntimeError(f"{name} must be at least {MIN_KEY_LENGTH} characters long "
                                   "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and not self.RATELIMIT_SINGLE_PROCESS:
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI is memory://, which counts per process: with several workers every "
                "login and API limit is multiplied by their number. Set RATELIMIT_STORAGE_URI=redis://... "
                "or, if exactly one app process runs, RATELIMIT_SINGLE_PROCESS=1.")


def check_config(config: dict) -> None:
    """Refuse to start on settings that cannot work; normalise the ones read as text."""
    raw = config.get("AUDIT_RETENTION_DAYS", "365")
    try:
        days = int(str(raw).strip())
    except ValueError:
        days = None
    if days is None or days < 1:
        raise RuntimeError(
            f"AUDIT_RETENTION_DAYS must be a whole number of days, at least 1 (got {raw!r}): "
            "audit events older than that are deleted by prune-audit."
        )
    config["AUDIT_RETENTION_DAYS"] = days


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS[os.environ.get("SWITCHBOARD_ENV", "development")]
