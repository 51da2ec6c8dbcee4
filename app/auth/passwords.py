"""Password and channel-secret hashing with Argon2id.

The cost comes from configuration (PASSWORD_HASH_TIME_COST, _MEMORY_COST in KiB, _PARALLELISM):
argon2-cffi's defaults everywhere but in the tests, which use the cheapest parameters.
"""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    # Verified against when an e-mail is unknown, so both failures take the same time.
    return hasher, hasher.hash("switchboard-dummy-password")


def _hasher() -> tuple[PasswordHasher, str]:
    config = current_app.config
    return _hasher_for(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"],
                       config["PASSWORD_HASH_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
