"""Typed settings, each declared once: key, type, default, label (UI language), group.

The settings dialog in ui/ is built from `SETTINGS`; values live in the `setting` table.
Add a setting by declaring a `SettingVar` here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hallclient.models import Setting


@dataclass(frozen=True)
class SettingVar:
    key: str
    type: type
    default: Any
    label: str  # shown in the settings dialog (Simplified Chinese)
    group: str = "常规"
    choices: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def coerce(self, value: Any) -> Any:
        """Convert and check a value; raises ValueError with a message for the clerk."""
        if self.type is bool:
            if isinstance(value, str):
                value = value.strip().lower() in ("1", "true", "yes", "是")
            return bool(value)
        try:
            v = self.type(value)
        except (TypeError, ValueError):
            raise ValueError(f"“{self.label}”的值无效：{value!r}") from None
        if self.choices and v not in self.choices:
            raise ValueError(f"“{self.label}”只能是：{'、'.join(map(str, self.choices))}")
        if self.minimum is not None and v < self.minimum:
            raise ValueError(f"“{self.label}”不能小于 {self.minimum}")
        if self.maximum is not None and v > self.maximum:
            raise ValueError(f"“{self.label}”不能大于 {self.maximum}")
        return v


SETTINGS: dict[str, SettingVar] = {}


def declare(var: SettingVar) -> SettingVar:
    if var.key in SETTINGS:
        raise KeyError(f"setting {var.key} declared twice")
    SETTINGS[var.key] = var
    return var


HALL_NAME = declare(SettingVar("hall.name", str, "示例市政务服务中心", "大厅名称", "大厅"))
HALL_CODE = declare(SettingVar("hall.code", str, "440300001", "大厅编码", "大厅", help="行政区划代码 + 3 位序号"))
WINDOW_CODE = declare(SettingVar("window.code", str, "", "本机窗口编号", "大厅", help="登录时选择的窗口"))
FONT_SCALE = declare(SettingVar("ui.font_scale", int, 100, "字号（%）", "界面", minimum=80, maximum=200))
LOGIN_MAX_FAILURES = declare(SettingVar("auth.max_failures", int, 5, "登录失败锁定次数", "安全", minimum=3, maximum=10))
LOGIN_LOCK_MINUTES = declare(SettingVar("auth.lock_minutes", int, 15, "锁定时长（分钟）", "安全", minimum=1, maximum=1440))
SYNC_SERVER_URL = declare(SettingVar("sync.server_url", str, "", "中心服务器地址", "同步", help="如 https://zwfw.example.gov.cn/api"))
SYNC_INTERVAL_S = declare(SettingVar("sync.interval_s", int, 30, "同步间隔（秒）", "同步", minimum=5, maximum=3600))
QUEUE_SERVICE_URL = declare(SettingVar("queue.service_url", str, "", "叫号服务地址", "叫号", help="如 http://192.168.1.10:8700"))
WLT_DECODER = declare(SettingVar("devices.wlt_decoder", str, "", "身份证照片解码库路径", "设备", help="阅读器厂商提供的 WLT 解码库（如 libwlt2bmp.so、WltRS.dll）；留空则不显示照片"))
VOICE_REPEAT = declare(SettingVar("queue.voice_repeat", int, 2, "语音播报次数", "叫号", minimum=0, maximum=5))
PROGRESS_URL = declare(SettingVar("print.progress_url", str, "https://zwfw.example.gov.cn/progress?no={no}", "办件进度查询地址", "打印", help="文书二维码的内容，{no} 替换为办件编号"))


def get(session: Session, var: SettingVar) -> Any:
    row = session.get(Setting, var.key)
    return var.default if row is None else row.value


def set_value(session: Session, var: SettingVar, value: Any) -> Any:
    v = var.coerce(value)
    row = session.get(Setting, var.key)
    if row is None:
        session.add(Setting(key=var.key, value=v))
    else:
        row.value = v
    return v


def all_values(session: Session) -> dict[str, Any]:
    stored = {r.key: r.value for r in session.query(Setting).all()}
    return {k: stored.get(k, var.default) for k, var in SETTINGS.items()}
