"""The key itself: its format, and the hash that is all the database keeps."""
import hashlib
import secrets as random

PREFIX = "sbk_"  # a JWT starts "eyJ": the bearer check tells the two apart by this
PREFIX_SHOWN = 8  # "sbk_" and four random characters, kept for display with the last four


def new_key() -> str:
    return PREFIX + random.token_urlsafe(32)


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
