"""HTTP client of the hall queue service (used by the window panel, display, kiosk, bench).

Every method returns the service's JSON. A service that cannot be reached raises `QueueOffline`
(a HallError with a message for the clerk), so the window can say so and fall back to its own
LED strip.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import requests

from hallclient.errors import HallError

log = logging.getLogger(__name__)


class QueueOffline(HallError):
    pass


class QueueRefused(HallError):
    """The service refused the request: `status` is its HTTP status (401 no or bad credentials,
    403 not this credential's right, 413 too large, 422 invalid)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def refusal_message(status: int, detail: str) -> str:
    """What the clerk (or hall IT) reads when the service refuses a request."""
    if status == 401:
        return ("叫号服务不认可本机的凭据（没有填写、填写有误或已被收回）。请信息化人员为本机发放叫号服务凭据，"
                "填入“设置 → 叫号 → 叫号服务凭据”后再试。")
    if status == 403:
        return f"本机的叫号服务凭据无权进行此操作：{detail}" if detail else "本机的叫号服务凭据无权进行此操作。"
    if status == 413:
        return "提交的内容过大，叫号服务拒绝接收，请缩短后再试。"
    if status == 404 and detail:
        return detail
    return f"叫号服务拒绝了请求：{detail}" if detail else f"叫号服务拒绝了请求（{status}）。"


class QueueClient:
    def __init__(self, base_url: str, timeout: float = 5.0, session: requests.Session | None = None, token: str = ""):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.trust_env = False  # a proxy from the environment must not see the token
        if token:
            self.http.headers["Authorization"] = f"Bearer {token.strip()}"

    def close(self) -> None:
        self.http.close()

    def _do(self, method: str, path: str, json: Any = None, params: dict | None = None, timeout: float | None = None) -> Any:
        if not self.base_url:
            raise QueueOffline("本机未设置叫号服务，大厅排队系统离线，请联系信息技术人员")
        try:
            r = self.http.request(method, self.base_url + path, json=json, params=params, timeout=timeout or self.timeout)
        except requests.RequestException as e:
            # In words for people; the address and the cause stay on the exception for the log
            # (the callers log once per outage, not every retry).
            raise QueueOffline("连接不上叫号服务，大厅排队系统离线") from e
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except (ValueError, AttributeError):
                detail = ""
            if not isinstance(detail, str):  # FastAPI's list of field errors: not for a clerk
                detail = "提交的内容不符合要求"
            log.warning("queue service refused %s %s: %s %s", method, path.split("?")[0], r.status_code, detail)
            raise QueueRefused(refusal_message(r.status_code, detail[:300]), r.status_code)
        return r.json()

    # -- hall ----------------------------------------------------------------------------------
    def health(self) -> bool:
        return bool(self._do("GET", "/health", timeout=2).get("ok"))

    def queues(self) -> list[dict]:
        return self._do("GET", "/queues")

    def status(self, window: str = "") -> dict:
        return self._do("GET", "/status", params={"window": window} if window else None)

    def events(self, after: int, timeout: float = 20.0, limit: int = 500) -> dict:
        """Long poll for events after the cursor `after`; returns {"events": [...], "cursor": n}."""
        return self._do("GET", "/events", params={"after": after, "timeout": timeout, "limit": limit}, timeout=timeout + 10)

    def stats(self, by: str = "window", day: str = "") -> dict:
        """Stats of the hall day `day` (YYYY-MM-DD), today when empty."""
        return self._do("GET", "/stats", params={"by": by, **({"day": day} if day else {})})

    def set_window(self, code: str, name: str = "", profile: dict | None = None, clerk: str | None = None) -> dict:
        return self._do("PUT", f"/windows/{code}", json={"name": name, "profile": profile, "clerk": clerk})

    def set_rules(self, **rules) -> dict:
        return self._do("PUT", "/rules", json=rules)

    # -- kiosk ---------------------------------------------------------------------------------
    def issue(self, queue: str, priority: str = "") -> dict:
        return self._do("POST", "/tickets", json={"queue": queue, "priority": priority})

    def add_appointment(self, code: str, queue: str, booked_at: str, id_number: str = "", name: str = "") -> dict:
        return self._do("POST", "/appointments", json={"code": code, "queue": queue, "booked_at": booked_at,
                                                        "id_number": id_number, "name": name})

    def check_in(self, code: str = "", id_number: str = "") -> dict:
        return self._do("POST", "/appointments/check-in", json={"code": code, "id_number": id_number})

    def requeue(self, ticket: str) -> dict:
        return self._do("POST", f"/tickets/{quote(ticket.strip(), safe='')}/requeue")

    # -- window --------------------------------------------------------------------------------
    def call_next(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/call-next")

    def call(self, window: str, ticket: str) -> dict:
        return self._do("POST", f"/windows/{window}/call", json={"ticket": ticket})

    def recall(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/recall")

    def no_show(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/no-show")

    def transfer(self, window: str, to_queue: str = "", to_window: str = "", keep_position: bool = True) -> dict:
        return self._do("POST", f"/windows/{window}/transfer",
                        json={"to_queue": to_queue, "to_window": to_window, "keep_position": keep_position})

    def park(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/park")

    def call_back(self, window: str, ticket: str) -> dict:
        return self._do("POST", f"/windows/{window}/call-back", json={"ticket": ticket})

    def pause(self, window: str, reason: str) -> dict:
        return self._do("POST", f"/windows/{window}/pause", json={"reason": reason})

    def resume(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/resume")

    def end(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/end")
