"""Passwords, device tokens and session tokens.

Passwords are argon2-hashed because people choose guessable ones. Device and
session tokens are 256 random bits, so a plain SHA-256 is enough to make a
stolen database useless for posting, and cheap enough to check on every one of
ten thousand heartbeats a minute.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name takes as long as a wrong password."""
    return _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    # A token is pasted into command lines (`feed-activity --token T`): one that
    # starts with "-" would be read as an option, so it never does.
    return "t" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
