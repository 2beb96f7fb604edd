"""Typed settings, each declared once: key, type, default, label (UI language), group.

The settings dialog in ui/ is built from `SETTINGS`; values live in the `setting` table.
Add a setting by declaring a `SettingVar` here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.models import Hall, Setting, Window


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
    # Settings that describe the hall are also rows other code reads (documents print the
    # Hall row's name, case numbers use its code): `apply` carries a new value there in the
    # same transaction, so the two never disagree.
    apply: Callable[[Session, Any], None] | None = field(default=None, compare=False)
    secret: bool = False  # a credential: the settings dialog does not show it

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


def _the_hall(session: Session) -> Hall | None:
    return session.scalars(select(Hall).order_by(Hall.id)).first()


def _apply_hall_name(session: Session, value: str) -> None:
    if (hall := _the_hall(session)) is not None:
        hall.name = value


def _apply_hall_code(session: Session, value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) == 9):
        raise ValueError("“大厅编码”应为 9 位数字：6 位行政区划代码 + 3 位大厅序号")
    if (hall := _the_hall(session)) is not None:
        hall.code, hall.region_code = value, value[:6]


def _apply_window_count(session: Session, value: int) -> None:
    """Windows 01..NN exist and are active; windows beyond NN are deactivated, never deleted
    (their cases keep pointing at them)."""
    hall = _the_hall(session)
    if hall is None:
        return
    existing = {w.code: w for w in session.scalars(select(Window).where(Window.hall_id == hall.id))}
    for n in range(1, value + 1):
        code = f"{n:02d}"
        if code in existing:
            existing[code].active = True
        else:
            session.add(Window(hall=hall, code=code, name=f"{n}号窗口", queues=["A"]))
    for code, w in existing.items():
        if code.isdigit() and int(code) > value:
            w.active = False


HALL_NAME = declare(SettingVar("hall.name", str, "示例市政务服务中心", "大厅名称", "大厅", apply=_apply_hall_name,
                               help="打印在各类文书上，并显示在叫号大屏"))
HALL_CODE = declare(SettingVar("hall.code", str, "440300001", "大厅编码", "大厅", apply=_apply_hall_code,
                               help="行政区划代码 + 3 位序号；办件编号以它开头，注册本机时由中心服务器确定"))
HALL_WINDOWS = declare(SettingVar("hall.windows", int, 8, "窗口数量", "大厅", minimum=1, maximum=99, apply=_apply_window_count,
                                  help="登录时可选的窗口 1…N"))
WINDOW_CODE = declare(SettingVar("window.code", str, "", "本机窗口编号", "大厅", help="登录时选择的窗口"))
FONT_SCALE = declare(SettingVar("ui.font_scale", int, 100, "字号（%）", "界面", minimum=80, maximum=200))
LOGIN_MAX_FAILURES = declare(SettingVar("auth.max_failures", int, 5, "登录失败锁定次数", "安全", minimum=3, maximum=10))
LOGIN_LOCK_MINUTES = declare(SettingVar("auth.lock_minutes", int, 15, "锁定时长（分钟）", "安全", minimum=1, maximum=1440))
IDLE_LOCK_MINUTES = declare(SettingVar("security.idle_lock_minutes", int, 5, "无操作自动锁屏（分钟）", "安全", minimum=1, maximum=30,
                                       help="离开窗口时按 Ctrl+L 立即锁屏"))
AUDIT_RETENTION_DAYS = declare(SettingVar("security.audit_retention_days", int, 365, "审计记录保存天数", "安全", minimum=183, maximum=3650,
                                          help="至少 183 天（六个月）"))
SYNC_CA_BUNDLE = declare(SettingVar("sync.ca_bundle", str, "", "CA 证书文件", "同步",
                                    help="中心服务器证书的签发机构证书（PEM）；留空则用系统信任的证书。证书校验始终开启"))
SYNC_SERVER_URL = declare(SettingVar("sync.server_url", str, "", "中心服务器地址", "同步", help="如 https://zwfw.example.gov.cn/api"))
SYNC_INTERVAL_S = declare(SettingVar("sync.interval_s", int, 30, "同步间隔（秒）", "同步", minimum=5, maximum=3600))
QUEUE_SERVICE_URL = declare(SettingVar("queue.service_url", str, "", "叫号服务地址", "叫号", help="如 http://192.168.1.10:8700"))
QUEUE_TOKEN = declare(SettingVar("queue.token", str, "", "叫号服务凭据", "叫号", secret=True,
                                 help="信息化人员用 hallclient queue token issue 为本机发放（窗口、叫号大屏或取号机各有一种）"))
WLT_DECODER = declare(SettingVar("devices.wlt_decoder", str, "", "身份证照片解码库路径", "设备", help="阅读器厂商提供的 WLT 解码库（如 libwlt2bmp.so、WltRS.dll）；留空则不显示照片"))
VOICE_REPEAT = declare(SettingVar("queue.voice_repeat", int, 2, "语音播报次数", "叫号", minimum=0, maximum=5))
BACKUP_KEEP_DAYS = declare(SettingVar("backup.keep_days", int, 14, "每日自动备份保留天数", "备份", minimum=1, maximum=366,
                                      help="客户端每天启动后自动备份一次数据库到数据目录的 backups 文件夹"))
PROGRESS_URL = declare(SettingVar("print.progress_url", str, "https://zwfw.example.gov.cn/progress?no={no}", "办件进度查询地址", "打印", help="文书二维码的内容，{no} 替换为办件编号"))
FEE_PAY_URL = declare(SettingVar("fees.pay_url", str, "https://pay.example.gov.cn/fs?code={code}", "缴款二维码地址", "收费", help="缴款通知书二维码的内容，{code} 替换为缴款码"))
FEE_VERIFY_URL = declare(SettingVar("fees.verify_url", str, "https://pjcy.mof.gov.cn/?code={code}&no={number}&check={check}", "电子票据查验地址", "收费", help="财政电子票据二维码的内容，{code} {number} {check} 替换为票据代码、号码、校验码"))


def get(session: Session, var: SettingVar) -> Any:
    row = session.get(Setting, var.key)
    return var.default if row is None else row.value


def set_value(session: Session, var: SettingVar, value: Any) -> Any:
    v = var.coerce(value)
    if var.apply is not None:
        var.apply(session, v)
    row = session.get(Setting, var.key)
    if row is None:
        session.add(Setting(key=var.key, value=v))
    else:
        row.value = v
    return v


def all_values(session: Session) -> dict[str, Any]:
    stored = {r.key: r.value for r in session.query(Setting).all()}
    return {k: stored.get(k, var.default) for k, var in SETTINGS.items()}


# Settings declared by a package of the core, in its own module (imported here so the
# settings dialog lists them).
from hallclient.supervision import config as _supervision_config  # noqa: E402,F401
