"""Whole-file encryption of a backup copy (SM4-GCM, streamed), with the store's data key.

The copy taken before the migration to encryption at rest (revision 0005) holds the old store
in the clear; once the migration succeeded it is encrypted into `<name>.sqlite3.sm4` and the
plain copy removed, so `backups/` never keeps personal data in the clear.
`hallclient backup-decrypt FILE OUT` turns it back into a SQLite file for a restore.
Format: b"HCB1" | 12-byte nonce | ciphertext | 16-byte tag.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hallclient.errors import HallError

MAGIC = b"HCB1"
SUFFIX = ".sm4"
_CHUNK = 1 << 20


def encrypt_file(key: bytes, src: Path, dst: Path | None = None) -> Path:
    src = Path(src)
    dst = Path(dst) if dst else src.with_name(src.name + SUFFIX)
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    tmp = dst.with_name(dst.name + ".part")
    with open(src, "rb") as fi, open(tmp, "wb") as fo:
        fo.write(MAGIC + nonce)
        while chunk := fi.read(_CHUNK):
            fo.write(enc.update(chunk))
        fo.write(enc.finalize() + enc.tag)
        fo.flush()
        os.fsync(fo.fileno())
    os.replace(tmp, dst)
    return dst


def decrypt_file(key: bytes, src: Path, dst: Path) -> Path:
    src, dst = Path(src), Path(dst)
    size = src.stat().st_size
    with open(src, "rb") as fi:
        head = fi.read(16)
        if len(head) < 16 or head[:4] != MAGIC or size < 32:
            raise HallError(f"{src} 不是本程序加密的备份文件")
        fi.seek(size - 16)
        tag = fi.read(16)
        fi.seek(16)
        dec = Cipher(algorithms.SM4(key), modes.GCM(head[4:], tag)).decryptor()
        left = size - 32
        tmp = dst.with_name(dst.name + ".part")
        with open(tmp, "wb") as fo:
            while left > 0:
                chunk = fi.read(min(_CHUNK, left))
                left -= len(chunk)
                fo.write(dec.update(chunk))
            try:
                fo.write(dec.finalize())
            except InvalidTag:
                fo.close()
                tmp.unlink(missing_ok=True)
                raise HallError(f"备份文件 {src} 无法用本数据目录的密钥解密（密钥不符或文件已损坏）") from None
    os.replace(tmp, dst)
    return dst
