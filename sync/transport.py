"""HTTP to the central server (requests): gzip, timeouts, and a classification of failures.

Every failure is one of three kinds, and the caller acts on the kind, never on the detail:
- `Transient`: the network, a timeout, a 5xx/429, or an answer that is not the protocol's.
  The outcome is unknown (the server may have committed), so the same request is retried
  later with the same UUIDs; the server's uniqueness makes that safe.
- `Unauthorized`: the device token is missing, wrong or revoked: retrying cannot help until
  an administrator registers the device again.
- `Refused`: any other 4xx whose body is the protocol's error shape
  (`{"error": str, "server_time": str}`): the server judged the request itself bad and
  changed nothing. A 4xx without that shape did not come from the sync service (a wrong
  server address or path, a reverse proxy, a captive portal) and says nothing about the
  items: it is `Transient`, so nothing is parked because of a misconfiguration.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from sync import protocol


class SyncFailure(Exception):
    """A failed exchange; `message` is for the clerk (Chinese)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


class Transient(SyncFailure):
    pass


class Unauthorized(SyncFailure):
    pass


class Refused(SyncFailure):
    pass


@dataclass
class Exchange:
    body: dict[str, Any]
    clock_offset_ms: int | None  # server clock minus local clock, from this exchange


GZIP_MIN_BYTES = 1024
# The start of the message of an HTTP 500: the engine finds, in an outbox row's last error,
# that its batch failed this way before (see SyncEngine._push_batch).
SERVER_ERROR = "中心服务器内部错误"


class SyncHTTP:
    """One sync endpoint. Not thread-safe: each worker owns its own."""

    def __init__(self, base_url: str, token: str | None, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 ca_bundle: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.ca_bundle = (ca_bundle or "").strip() or None
        self.timeout = (connect_timeout, read_timeout)
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "hallclient-sync/1"
        self.http.headers["Accept-Encoding"] = "gzip"
        self.http.trust_env = False  # a proxy from the environment must not see the token
        # TLS certificates are always verified: against the hall's CA bundle (setting
        # sync.ca_bundle) when one is set, else the system's trusted roots. Never off.
        self.http.verify = self.ca_bundle or True
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> Exchange:
        return self._call("GET", path, None)

    def post(self, path: str, obj: dict[str, Any]) -> Exchange:
        return self._call("POST", path, obj)

    def _call(self, method: str, path: str, obj: dict[str, Any] | None) -> Exchange:
        url = f"{self.base_url}{protocol.API_PREFIX}{path}"
        headers = {}
        data = None
        if obj is not None:
            data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(data) >= GZIP_MIN_BYTES:
                data = gzip.compress(data, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        sent = time.time()
        try:
            resp = self.http.request(method, url, data=data, headers=headers, timeout=self.timeout)
            raw = resp.content  # read the whole body inside the try: a reset mid-body is transient
        except requests.Timeout:
            raise Transient("连接中心服务器超时（结果未知，稍后将安全重试）") from None
        except requests.exceptions.SSLError:
            raise Transient("中心服务器的证书无法验证（可能是证书过期、地址不符，或网络被冒充）。"
                            "请管理员核对服务器地址，必要时在设置“CA 证书文件”中指定签发机构证书") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise Transient("无法连接中心服务器（网络中断或服务器未运行），稍后将自动重试") from None
        except requests.RequestException as e:
            raise Transient(f"与中心服务器通信失败：{type(e).__name__}") from None
        except OSError:  # requests' answer to a CA bundle file that is missing or unreadable
            raise Transient(f"设置中的 CA 证书文件无法读取：{self.ca_bundle}。请管理员检查该文件") from None
        received = time.time()
        status = resp.status_code
        body = _parse(raw)
        reason = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), str) else None
        if status in (401, 403):
            raise Unauthorized(f"中心服务器拒绝了本机的设备令牌：{reason or status}。请联系管理员重新注册本机。", status)
        if status == 500:
            raise Transient(f"{SERVER_ERROR}（HTTP 500），稍后将自动重试", status)
        if status in (408, 429) or status > 500:  # 408: the server dropped a stalled upload
            raise Transient(f"中心服务器暂时不可用（HTTP {status}），稍后将自动重试", status)
        if 400 <= status < 500:
            if not _is_protocol_error(body):
                raise Transient(
                    f"中心服务器地址可能有误：HTTP {status} 的应答不是同步服务发出的。请管理员核对服务器地址"
                    f"（{self.base_url}）后重新注册本机；记录都保留在本机，稍后将自动重试",
                    status,
                )
            raise Refused(reason or f"中心服务器拒绝了请求（HTTP {status}）", status)
        if status != 200 or not isinstance(body, dict):
            raise Transient(f"中心服务器的应答无法识别（HTTP {status}），稍后将自动重试", status)
        return Exchange(body, _offset_ms(body.get("server_time"), sent, received))


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _is_protocol_error(body: Any) -> bool:
    """The error shape of docs/sync-protocol.md, which only the sync service sends."""
    return isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("server_time"), str)


def _offset_ms(server_time: Any, sent: float, received: float) -> int | None:
    # The server stamped its clock somewhere between send and receive: the midpoint is the
    # best local estimate (NTP's reasoning, with one sample).
    if not isinstance(server_time, str):
        return None
    try:
        t = datetime.fromisoformat(server_time)
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return int(round((t.timestamp() - (sent + received) / 2) * 1000))
