"""Authenticated encryption for sensitive fields (bank accounts, tax IDs, the
secrets of authenticator apps).

AES-256-GCM with a fresh random nonce per value. Each value is bound to its row
by the associated data (``context``, e.g. ``"bank:42:account_number"``): a value
copied into another row fails to decrypt instead of showing the wrong number.
Keys come from the environment (``FIELD_ENCRYPTION_KEYS``: ``id:key,id:key``,
keys 32 bytes in URL-safe base64, the first one encrypts); the key id travels
with each value so old keys keep decrypting until ``rotate_encryption_keys``
has re-encrypted every row.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"


class EncryptionError(ValueError):
    """A key ring that cannot be used, or a value that does not decrypt."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@cache
def parse_keys(text: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, _, encoded = item.partition(":")
        if not key_id.isalnum() or not encoded:
            raise EncryptionError(
                "each key is written as id:base64key (id letters/digits)"
            )
        try:
            key = base64.urlsafe_b64decode(encoded)
        except (binascii.Error, ValueError):
            raise EncryptionError(f"key {key_id}: not valid base64") from None
        if len(key) != 32:
            raise EncryptionError(f"key {key_id}: must be 32 bytes")
        if key_id in keys:
            raise EncryptionError(f"key {key_id}: listed twice")
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise EncryptionError("no encryption key configured")
    return KeyRing(current=order[0], keys=keys)


def _ring() -> KeyRing:
    from django.conf import settings

    return parse_keys(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or _ring()
    nonce = os.urandom(12)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(
        nonce, plaintext.encode(), context.encode()
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode()
    return f"{VERSION}:{ring.current}:{body}"


def key_id(token: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION:
        raise EncryptionError("not an encrypted value")
    return parts[1]


def decrypt(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or _ring()
    kid = key_id(token)
    key = ring.keys.get(kid)
    if key is None:
        raise EncryptionError(f"key {kid} is not configured")
    try:
        raw = base64.urlsafe_b64decode(token.split(":", 2)[2])
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise EncryptionError("the value does not decrypt for this row") from None


def needs_rotation(token: str, ring: KeyRing | None = None) -> bool:
    ring = ring or _ring()
    return key_id(token) != ring.current
