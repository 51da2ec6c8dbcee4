"""Secrets at rest: a column type that encrypts with Fernet keys from configuration.

SECRET_ENCRYPTION_KEYS lists keys newest first; MultiFernet decrypts with any of them and
encrypts with the first, so keys can be rotated without a migration.
"""
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("SECRET_ENCRYPTION_KEYS is not configured")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(current_app.config["SECRET_ENCRYPTION_KEYS"]))


class EncryptedText(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return fernet().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return fernet().decrypt(value.encode()).decode()
