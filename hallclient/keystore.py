"""Where a store's master key lives: the OS key store, or else a key file. Qt-free.

The OS key store (the `keyring` library: Windows Credential Manager, protected by DPAPI under
the Windows account; macOS Keychain; Secret Service on a Linux desktop) keeps the key out of the
data directory, so a copied data directory or backup is only ciphertext. Where no key store
exists (a headless Linux, a locked-down kiosk account) the key goes to `hallclient.key` in the
data directory (owner-only permissions) with a warning in the log and for the administrator:
then whoever copies the whole data directory has the key, though a copied backup alone still
has not.

`store-key.json` in the data directory names the key (an id for the key store entry) and holds
its fingerprint, so a missing or replaced key is said clearly instead of reading as garbage.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path

from hallclient.errors import HallError
from hallclient.personal import StoreKeys

log = logging.getLogger(__name__)

SERVICE = "hallclient-store-key"
KEY_FILE = "hallclient.key"
INFO_FILE = "store-key.json"
ENV_NO_KEYRING = "HALLCLIENT_NO_KEYRING"  # "1": never use the OS key store (tests, portable installs)

WARNING_TEXT = ("本机没有可用的系统密钥库，个人信息加密密钥保存在数据目录的 hallclient.key 文件中。"
                "请确保数据目录只有本机账户可以访问；备份文件中不含该密钥。")


class KeyUnavailable(HallError):
    pass


def _keyring():
    """The OS key store backend, or None where there is none (keyring's 'fail' backend)."""
    if os.environ.get(ENV_NO_KEYRING) == "1":
        return None
    try:
        import keyring
        from keyring.backends import fail

        kr = keyring.get_keyring()
        if isinstance(kr, fail.Keyring) or getattr(kr, "priority", 0) <= 0:
            return None
        return kr
    except Exception:  # noqa: BLE001 - a broken key store is treated as none, and said
        log.warning("the OS key store could not be used", exc_info=True)
        return None


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def load_keys(root: Path, *, may_create: bool) -> StoreKeys:
    """The keys of the store in data directory `root`.

    `may_create`: the store holds no encrypted data yet (a new file, or one about to be
    migrated to encryption), so a new key may be made. Otherwise a missing key is an error:
    making a new one would leave the existing data unreadable.
    """
    root = Path(root)
    info_path = root / INFO_FILE
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else None
    kr = _keyring()
    master: bytes | None = None
    source = "file"
    if info and info.get("source") == "keyring":
        if kr is None:
            raise KeyUnavailable("个人信息加密密钥保存在系统密钥库中，但现在无法访问系统密钥库。"
                                 "请用安装本程序时的 Windows 账户登录本机后再启动，或联系信息化人员。")
        secret = kr.get_password(SERVICE, info["key_id"])
        if secret is None:
            raise KeyUnavailable("系统密钥库中找不到本机的个人信息加密密钥，数据无法解密。请联系信息化人员用密钥备份恢复。")
        master, source = bytes.fromhex(secret), "keyring"
    elif (root / KEY_FILE).exists():
        master = bytes.fromhex((root / KEY_FILE).read_text(encoding="utf-8").strip())
    elif info is not None or not may_create:
        raise KeyUnavailable(f"数据目录 {root} 中的个人信息加密密钥文件 {KEY_FILE} 不见了，数据无法解密。"
                             "请从密钥备份恢复该文件，或联系信息化人员。")
    if master is None:
        master = secrets.token_bytes(32)
        if kr is not None:
            key_id = secrets.token_hex(8)
            kr.set_password(SERVICE, key_id, master.hex())
            source = "keyring"
            info = {"source": "keyring", "key_id": key_id}
        else:
            _write_private(root / KEY_FILE, master.hex())
            info = {"source": "file"}
            log.warning("no OS key store: the personal data key is in %s (owner-only); "
                        "protect the data directory", root / KEY_FILE)
        keys = StoreKeys(master, source)
        info["check"] = keys.check
        info_path.write_text(json.dumps(info), encoding="utf-8")
        return keys
    keys = StoreKeys(master, source)
    if info and info.get("check") and info["check"] != keys.check:
        raise KeyUnavailable("个人信息加密密钥与本数据库不匹配（密钥被替换），数据无法解密。请联系信息化人员。")
    if source == "file":
        log.warning("personal data key read from the key file %s: no OS key store on this machine", root / KEY_FILE)
    return keys


def key_warning(keys: StoreKeys) -> str | None:
    """What the administrator is told about where the key is, or None when it is safe."""
    return WARNING_TEXT if keys.source == "file" else None


def export_key(root: Path) -> str:
    """The store's master key as hex, for a key backup or a move to a replacement PC (the
    backups themselves are useless without it). Keep it apart from the backups."""
    return load_keys(Path(root), may_create=False).master.hex()


def import_key(root: Path, master_hex: str, *, use_keyring: bool = True) -> StoreKeys:
    """Install an exported key in data directory `root` (before a restored store is opened
    there): into the OS key store when there is one, else the key file. `use_keyring=False`
    (a throw-away copy, e.g. the self-test's) always uses the owner-only key file."""
    root = Path(root)
    try:
        master = bytes.fromhex(master_hex.strip())
    except ValueError:
        raise KeyUnavailable("密钥格式不对：应为导出时得到的 64 位十六进制字符") from None
    if len(master) != 32:
        raise KeyUnavailable("密钥长度不对：应为导出时得到的 64 位十六进制字符")
    root.mkdir(parents=True, exist_ok=True)
    kr = _keyring() if use_keyring else None
    keys = StoreKeys(master, "keyring" if kr is not None else "file")
    if kr is not None:
        key_id = secrets.token_hex(8)
        kr.set_password(SERVICE, key_id, master.hex())
        info = {"source": "keyring", "key_id": key_id}
    else:
        _write_private(root / KEY_FILE, master.hex())
        info = {"source": "file"}
    info["check"] = keys.check
    (root / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    return keys
