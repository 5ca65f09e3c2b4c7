"""Field encryption for personal data (身份证号 and the like).

A database dump must not reveal ID numbers, yet the roster must find a member by number and keep
numbers unique. So each value is stored twice, neither in clear:
- encrypted with AES-256-GCM (random nonce, authenticated) — only the app can read it back;
- as an HMAC-SHA256 under a second key — equal numbers give equal hashes, so a unique index and
  exact lookups work, but the hash cannot be reversed without the key (a plain SHA-256 of an ID
  number could be brute-forced: there are only ~10^11 valid numbers).

Both keys derive from one secret with HKDF. settings.FIELD_ENCRYPTION_KEYS lists the secrets: the
first (settings.FIELD_ENCRYPTION_KEY) encrypts and hashes, every one decrypts. A value is written as
"v2:<key id>:<base64>", the key id naming the secret without revealing it, so `manage.py
rotate_field_key` finds what is not yet under the first key by its prefix, re-encrypts and re-hashes
it in batches, and can stop and resume. Values of the first version ("v1:", no key id) are read by
trying each key. A stored canary (`FieldKeyCanary`, checked at start-up by `check_keys`) turns a
wrong key into a refusal to start instead of a 500 at the first reveal (issue 17, finding 7).
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX_V1 = "v1:"
_PREFIX = "v2:"


@cache
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"union_office.crypto", info=b"fields").derive(
        secret.encode()
    )
    return material[:32], material[32:]


@cache
def _primitives(secret: str) -> tuple[AESGCM, "hmac.HMAC"]:
    """The cipher and a keyed HMAC to copy, made once per key: building them on every call was
    ~8 µs a number, 0.8 s of CPU in a 100,000-row import check. Both are safe to share between
    threads (AESGCM keeps no state between calls; an HMAC is copied, never updated)."""
    encryption_key, hash_key = _keys(secret)
    return AESGCM(encryption_key), hmac.new(hash_key, digestmod=hashlib.sha256)


def configured_keys() -> list[str]:
    """The configured secrets, the current one first. settings makes FIELD_ENCRYPTION_KEY the first
    of FIELD_ENCRYPTION_KEYS; where only the former was changed (a test, a shell), it is the one key."""
    first = settings.FIELD_ENCRYPTION_KEY
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()))
    return keys if keys[:1] == [first] else [first]


@cache
def key_id(secret: str) -> str:
    """Eight hex digits naming `secret` in a ciphertext: a keyed hash of a fixed text, irreversible."""
    mac = _primitives(secret)[1].copy()
    mac.update(b"union_office.crypto.key-id")
    return mac.hexdigest()[:8]


def current_prefix() -> str:
    """What every value encrypted under the current key starts with (rotate_field_key's test)."""
    return f"{_PREFIX}{key_id(settings.FIELD_ENCRYPTION_KEY)}:"


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = _primitives(settings.FIELD_ENCRYPTION_KEY)[0].encrypt(nonce, plaintext.encode(), None)
    return current_prefix() + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """The plaintext, with whichever configured key wrote it; InvalidTag if none of them did."""
    if token.startswith(_PREFIX):
        kid, _sep, body = token[len(_PREFIX) :].partition(":")
        candidates = [secret for secret in configured_keys() if key_id(secret) == kid] or configured_keys()
    elif token.startswith(_PREFIX_V1):
        body, candidates = token[len(_PREFIX_V1) :], configured_keys()
    else:
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(body)
    for secret in candidates:
        try:
            return _primitives(secret)[0].decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag:
            continue
    raise InvalidTag


def keyed_hash(value: str, secret: str | None = None) -> str:
    """Deterministic, irreversible without the key: for unique indexes and exact lookups. Under the
    current key unless `secret` names another."""
    mac = _primitives(secret or settings.FIELD_ENCRYPTION_KEY)[1].copy()
    mac.update(value.encode())
    return mac.hexdigest()


def keyed_hashes(value: str) -> list[str]:
    """The hash of `value` under every configured key: a lookup that must also find rows a key
    rotation has not reached yet."""
    return [keyed_hash(value, secret) for secret in configured_keys()]


# --- The canary ------------------------------------------------------------------------------------

CANARY_TEXT = "union_office.crypto.canary"


def check_keys() -> None:
    """Refuse to start with keys that cannot read what the database holds.

    The first start writes the canary under the current key. Later starts decrypt it: if no
    configured key can, the key was changed or mistyped, and every ID number would fail at its
    first reveal (a 500), so start-up stops here with ImproperlyConfigured naming the variable. A
    canary under an older key of the list is fine: a rotation is under way. A database without
    the table yet (before `migrate`) is not checked.
    """
    from django.db import DatabaseError, transaction

    from .models import FieldKeyCanary

    try:
        with transaction.atomic():
            canary = FieldKeyCanary.objects.filter(pk=1).first()
            if canary is None:
                FieldKeyCanary.objects.create(pk=1, token=encrypt(CANARY_TEXT))
                return
    except DatabaseError:
        return
    try:
        ok = decrypt(canary.token) == CANARY_TEXT
    except (InvalidTag, ValueError):
        ok = False
    if not ok:
        kid = canary.token[len(_PREFIX) :].partition(":")[0] if canary.token.startswith(_PREFIX) else "v1"
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS cannot decrypt the data in this database (its key id is {kid}; the configured "
            f"keys are {', '.join(key_id(s) for s in configured_keys())}). Configure the key the data was written "
            "with (first, or after the new one during a rotation); see docs/backup.md."
        )
