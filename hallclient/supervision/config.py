"""Hall settings of supervision (declared once, shown in 设置 → 监察)."""

from __future__ import annotations

from hallclient.settings import SettingVar, declare

YELLOW_DAYS = declare(SettingVar("supervision.yellow_days", int, 2, "黄牌预警（剩余工作日 ≤）", "监察", minimum=2, maximum=20,
                                 help="承诺办结日前剩余工作日不超过此数时黄牌预警；前一个工作日起为“提示”，逾期为红牌"))
CALLBACK_DAYS = declare(SettingVar("supervision.callback_days", int, 1, "差评回访期限（工作日）", "监察", minimum=0, maximum=10,
                                   help="差评后应在此数个工作日内完成回访，否则列入预警"))
FIX_DAYS = declare(SettingVar("supervision.fix_days", int, 5, "差评整改期限（工作日）", "监察", minimum=1, maximum=30))
WAIT_TARGET_MIN = declare(SettingVar("supervision.wait_target_min", int, 10, "等候时长目标（分钟）", "监察", minimum=1, maximum=120))
COMPLEX_WAIT_TARGET_MIN = declare(SettingVar("supervision.complex_wait_target_min", int, 30, "复杂事项等候目标（分钟）", "监察",
                                             minimum=1, maximum=240))
COMPLEX_QUEUES = declare(SettingVar("supervision.complex_queues", str, "", "复杂事项的排队类别", "监察",
                                    help="号码前缀，用逗号分隔，如 B,C；这些类别按复杂事项的等候目标考核"))
HANDLING_TARGET_MIN = declare(SettingVar("supervision.handling_target_min", int, 20, "窗口办理时长目标（分钟）", "监察",
                                         minimum=1, maximum=240))
PULL_HALL_DAY = declare(SettingVar("supervision.pull_hall_day", bool, False, "本机为值班长电脑（同步全厅数据）", "监察",
                                   help="勾选后，本机同步时下载全厅所有窗口的办件、评价、收费和排队记录，供值班长离线查看；"
                                        "中心服务器只向管理员登记过的值班长电脑下发这些数据"))
# Not a setting anyone sets: why the central server sent no hall data to this PC ("" when it
# does), kept by the sync engine so the supervisor's page can say it. Not declared: not shown.
HALL_DAY_DENIED = SettingVar("supervision.hall_day_denied", str, "", "全厅数据被拒绝的原因", "监察")
