"""Personal data at rest: the one place that decides how it is stored, looked up and masked.

ID numbers, phone numbers, addresses and photos are declared with `PersonalText` /
`PersonalBytes`, JSON documents that carry them (case event and outbox payloads, mirrored
streams) with `PersonalJSON`. These column types encrypt on the way in and decrypt on the way
out with SM4-GCM (a fresh 96-bit nonce per value, 128-bit tag), with the key of the store the
engine belongs to (`attach_keys`; the key comes from `hallclient.keystore`). So the SQLite file,
its WAL and every backup copy hold only ciphertext.

Applicants are found by ID number only through `id_lookup_key`: a keyed hash (HMAC-SM3) that
works on an equality index without storing the number, and that nobody without the key can
compute for a guessed number (a plain hash of an 18-digit ID number is brute-forced in minutes).
Other lookups (phone, credit code…) use `lookup_key(kind, value)`, the same keyed hash with a
kind of its own.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import JSON, LargeBinary, Text
from sqlalchemy.types import TypeDecorator

_TEXT_PREFIX = "sm4:"        # text columns: "sm4:" + base64(nonce | ciphertext | tag)
_BYTES_PREFIX = b"SM4\x01"   # binary columns: prefix + nonce | ciphertext | tag
_NONCE = 12
_TAG = 16


class KeyMissing(RuntimeError):
    """Personal data was written or read through an engine without the store's key."""


def _hmac_sm3(key: bytes, msg: bytes) -> bytes:
    from cryptography.hazmat.primitives import hmac as chmac, hashes

    h = chmac.HMAC(key, hashes.SM3())
    h.update(msg)
    return h.finalize()


@dataclass(frozen=True)
class StoreKeys:
    """The keys of one store, derived from its 32-byte master secret."""

    master: bytes = field(repr=False)
    source: str = "file"   # "keyring" (the OS key store) | "file" (key file in the data directory)

    # cached_property writes the instance's __dict__ directly, so it works on a frozen
    # dataclass; every decrypted value asks for the data key.
    @cached_property
    def data(self) -> bytes:
        return _derived(self.master, b"hallclient sm4 data key")[:16]

    @cached_property
    def lookup(self) -> bytes:
        return _derived(self.master, b"hallclient lookup key")

    @cached_property
    def check(self) -> str:
        """A short fingerprint of the key, stored beside the data to notice a wrong key."""
        return _derived(self.master, b"hallclient key check")[:8].hex()


_DERIVED: dict[tuple[bytes, bytes], bytes] = {}


def _derived(master: bytes, label: bytes) -> bytes:
    k = (master, label)
    if k not in _DERIVED:
        _DERIVED[k] = _hmac_sm3(master, label)
    return _DERIVED[k]


# --- SM4-GCM ---------------------------------------------------------------------------------


_ALGORITHMS: dict[bytes, algorithms.SM4] = {}


def _sm4(key: bytes) -> algorithms.SM4:
    """The algorithm object of a key, made once (a quarter of a decryption's cost otherwise:
    a case list decrypts thousands of values)."""
    alg = _ALGORITHMS.get(key)
    if alg is None:
        alg = _ALGORITHMS[key] = algorithms.SM4(key)
    return alg


def encrypt_bytes(key: bytes, plain: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    enc = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    ct = enc.update(plain) + enc.finalize()
    return nonce + ct + enc.tag


def decrypt_bytes(key: bytes, blob: bytes) -> bytes:
    nonce, ct, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    dec = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    return dec.update(ct) + dec.finalize()


def encrypt_text(key: bytes, value: str) -> str:
    return _TEXT_PREFIX + base64.b64encode(encrypt_bytes(key, value.encode("utf-8"))).decode("ascii")


def decrypt_text(key: bytes, value: str) -> str:
    return decrypt_bytes(key, base64.b64decode(value[len(_TEXT_PREFIX):])).decode("utf-8")


def is_encrypted(value) -> bool:
    if isinstance(value, str):
        return value.startswith(_TEXT_PREFIX)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value[:4]) == _BYTES_PREFIX
    return False


# --- keys per engine -------------------------------------------------------------------------

_current: list[StoreKeys] = []


def attach_keys(engine, keys: StoreKeys) -> None:
    """Give an engine (one store) its keys: its Personal* columns use them. Also makes them the
    process's current keys for `id_lookup_key` (a client process works on one store)."""
    engine.dialect.hall_keys = keys
    _current[:] = [keys]


def current_keys() -> StoreKeys | None:
    return _current[0] if _current else None


def keys_of(session_or_engine) -> StoreKeys | None:
    """The keys of the store a session (or engine) works on."""
    bind = session_or_engine.get_bind() if hasattr(session_or_engine, "get_bind") else session_or_engine
    return getattr(bind.dialect, "hall_keys", None)


def _key(dialect) -> bytes:
    try:
        return dialect.hall_keys.data
    except AttributeError:
        raise KeyMissing("personal data needs the store's key (personal.attach_keys)") from None


def _wrong_key() -> KeyMissing:
    return KeyMissing("personal data cannot be decrypted with this store's key (wrong or replaced key)")


class _PersonalData(TypeDecorator):
    """Values that are personal data: encrypted in `process_bind_param`, decrypted in
    `process_result_value`, for every column type below at once. A value written before
    encryption existed (a store not yet migrated) reads back as it is."""


class PersonalText(_PersonalData):
    """Text that is personal data (ID numbers, phone numbers, addresses)."""

    impl = Text
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt_text(_key(dialect), value)

    def process_result_value(self, value, dialect):
        if value is None or not value.startswith(_TEXT_PREFIX):
            return value
        try:
            return decrypt_text(_key(dialect), value)
        except InvalidTag:
            raise _wrong_key() from None


class PersonalBytes(_PersonalData):
    """Binary personal data (the ID card photo)."""

    impl = LargeBinary
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _BYTES_PREFIX + encrypt_bytes(_key(dialect), bytes(value))

    def process_result_value(self, value, dialect):
        if value is None or bytes(value[:4]) != _BYTES_PREFIX:
            return value
        try:
            return decrypt_bytes(_key(dialect), bytes(value[4:]))
        except InvalidTag:
            raise _wrong_key() from None


class PersonalJSON(_PersonalData):
    """A JSON document that carries personal data: the payloads of case events and of the
    outbox, which hold the parties of a case (ID and phone numbers) as the server needs them.
    Stored as a JSON string holding the encrypted JSON text."""

    impl = JSON
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return encrypt_text(_key(dialect), plain)

    def process_result_value(self, value, dialect):
        if not isinstance(value, str) or not value.startswith(_TEXT_PREFIX):
            return value
        try:
            return json.loads(decrypt_text(_key(dialect), value))
        except InvalidTag:
            raise _wrong_key() from None


# --- lookups ---------------------------------------------------------------------------------


def normalise_id(id_number: str) -> str:
    """What two spellings of one number have in common (a lowercase x typed by a clerk)."""
    return id_number.strip().upper()


def lookup_key(kind: str, value: str, keys: StoreKeys | None = None) -> str:
    """A keyed hash (HMAC-SM3) of a normalised value for an equality index: `kind` keeps
    different kinds of number apart ("id", "phone", "uscc"…). Without keys (a server process
    that has no store key) the normalised value itself, as before encryption."""
    keys = keys or current_keys()
    if keys is None:
        return value
    return "h1:" + _hmac_sm3(keys.lookup, f"{kind}\x1f{value}".encode("utf-8")).hex()


def id_lookup_key(id_number: str, keys: StoreKeys | None = None) -> str:
    """The value stored in `*_key` columns and compared on lookup by ID number / credit code.

    Callers pass an already validated, normalised number; the key is case-folded so that a
    lowercase x typed by a clerk finds the same person. `keys`: the store's (default: the
    process's current store, see `attach_keys`)."""
    return lookup_key("id", normalise_id(id_number), keys)


def phone_lookup_key(phone: str, keys: StoreKeys | None = None) -> str:
    """The value stored in `applicant.phone_key`: a phone number found by its digits whatever
    separators were typed (138-1234-5678, 0755 1234 5678). Goes through `id_lookup_key`, so a
    keyed hash there keys phones too."""
    return id_lookup_key("".join(ch for ch in phone if ch.isdigit()), keys)


# --- masking ---------------------------------------------------------------------------------


def mask_id(id_number: str | None) -> str:
    """An ID number safe for lists, tickets and logs: first 6 and last 4 characters kept
    (110105********1238); short numbers keep less so that most of them stays hidden."""
    if not id_number:
        return ""
    n = len(id_number)
    if n <= 7:
        return "*" * n
    head = 6 if n >= 15 else 3
    return id_number[:head] + "*" * (n - head - 4) + id_number[-4:]


def mask_phone(phone: str | None) -> str:
    """A phone number safe for lists: first 3 and last 4 digits kept (138****5678)."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str | None) -> str:
    """An address safe for lists: the first 6 characters (city / district), the rest hidden."""
    if not address:
        return ""
    chars = list(address)
    return "".join(chars[:6]) + ("****" if len(chars) > 6 else "")


def mask_name(name: str | None) -> str:
    """A name safe for the hall display: 张三 -> 张*, 欧阳娜娜 -> 欧阳**.

    Compound surnames keep their two characters; code points (not UTF-16 units) are counted so a
    rare character outside the BMP stays whole.
    """
    if not name:
        return ""
    chars = list(name)
    keep = 2 if len(chars) >= 4 or "".join(chars[:2]) in COMPOUND_SURNAMES else 1
    return "".join(chars[:keep]) + "*" * (len(chars) - keep)


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 呼延".split()
)
