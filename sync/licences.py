"""Asking the central 电子证照库 for a holder's licences (GET /v1/licences), with a short
timeout: the clerk is waiting at the counter, and offline the window carries on by hand."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from hallclient import settings
from hallclient.certificates.elicence import ELicence
from hallclient.db import Store
from hallclient.errors import HallError
from hallclient.syncstate import SyncState
from sync.transport import SyncFailure, SyncHTTP

CONNECT_TIMEOUT_S = 0.8
READ_TIMEOUT_S = 1.5


@dataclass(frozen=True)
class LicenceLookup:
    holder_code: str
    licences: tuple[ELicence, ...]
    online: bool
    message: str  # for the clerk (Chinese)
    seconds: float


def _endpoint(store: Store) -> tuple[str, str | None]:
    with store.session() as s:
        st = s.get(SyncState, 1)
        return (settings.get(s, settings.SYNC_SERVER_URL) or "").strip(), st.token if st else None


def lookup_licences(store: Store, holder_code: str, *, http: SyncHTTP | None = None) -> LicenceLookup:
    """The holder's licences as the library returns them; never raises for the network."""
    t0 = time.perf_counter()
    code = holder_code.strip().upper()
    url, token = _endpoint(store)
    if http is None and (not url or not token):
        return LicenceLookup(code, (), False, "本机尚未注册到中心服务器，无法查询电子证照库，请按纸质材料核验", time.perf_counter() - t0)
    own = http is None
    http = http or SyncHTTP(url, token, connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S)
    try:
        body = http.get(f"/licences?holder_code={quote(code)}").body
        found = tuple(ELicence.from_json(d) for d in body.get("licences", []) if isinstance(d, dict))
    except SyncFailure:
        return LicenceLookup(code, (), False, "电子证照库暂时无法连接（离线或应答超时），请按纸质材料核验",
                             time.perf_counter() - t0)
    except HallError as e:
        return LicenceLookup(code, (), False, e.message, time.perf_counter() - t0)
    finally:
        if own:
            http.close()
    n = len(found)
    msg = f"电子证照库：找到 {n} 张有效电子证照" if n else "电子证照库：该申请人没有可调用的电子证照"
    return LicenceLookup(code, found, True, msg, time.perf_counter() - t0)
