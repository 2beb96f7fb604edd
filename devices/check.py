"""One-shot device checks for the settings dialog's 测试 button and `devices list`.

Each opens the port itself, so callers stop the device's worker first (a port on Windows can
be open only once). Returns a message for the clerk; raises nothing. A keyboard-wedge scanner
(port `keyboard`) has no port: the check says how to try it by scanning into a field.
"""

from __future__ import annotations

import os

from devices.manager import WEDGE_PORT
from devices.transport import port_error_text
from devices.worker import DeviceSpec

FALLBACK_TEST_TICKET = b"\x1b@\x1c&" + "设备测试 ￥0.00".encode("gb18030") + b"\n\x1bd\x03\x1dVB\x00"
WEDGE_TEST_HINT = ("键盘式扫码枪：没有端口可打开。请点一下任意输入框，扫一个条码，"
                   "条码文字应出现在输入框中（保存后，客户端会自动识别扫码）")


def probe_port(spec: DeviceSpec) -> tuple[bool, str]:
    """Can the port be used, without touching the device? For `devices list`: opens and closes
    a serial/TCP port, never creates a `file:` sink, and knows the keyboard wedge has no port."""
    if spec.port == WEDGE_PORT:
        return True, "键盘式扫码枪（无需端口）"
    if spec.port.startswith("file:"):
        return _probe_file(spec.port[5:])
    from devices.transport import open_transport

    try:
        open_transport(spec.port, spec.baud).close()
    except OSError as e:
        return False, f"无法打开：{port_error_text(e)}"
    return True, "可连接"


def _probe_file(path: str) -> tuple[bool, str]:
    if os.path.isdir(path):
        return False, "无法写入：该路径是一个目录"
    if os.path.exists(path):
        return (True, "可写入") if os.access(path, os.W_OK) else (False, "无法写入：没有写权限")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return False, "无法写入：所在目录不存在"
    if not os.access(folder, os.W_OK):
        return False, "无法写入：所在目录没有写权限"
    return True, "可写入（文件将在首次打印时创建）"


def check_device(spec: DeviceSpec, test_ticket: bytes | None = None) -> tuple[bool, str]:
    from devices.transport import open_transport

    if spec.port == WEDGE_PORT:
        return True, WEDGE_TEST_HINT
    try:
        t = open_transport(spec.port, spec.baud)
    except OSError as e:
        return False, f"无法打开 {spec.port}：{port_error_text(e)}"
    try:
        if spec.kind == "id_reader":
            from devices.reader import NoCard, ReaderError, SamReader

            r = SamReader(t, reply_timeout=2.0)
            try:
                doc = r.read_card()
                return True, f"阅读器正常，读到证件：{doc.name}"
            except NoCard:
                return True, "阅读器正常（感应区没有证件）"
            except ReaderError as e:
                return False, e.message
        if spec.kind == "ticket_printer":
            from devices.printer import PrinterError, send

            try:
                st = send(t, test_ticket or FALLBACK_TEST_TICKET)
            except PrinterError as e:
                return False, e.message
            return True, "已打印测试小票" + ("" if st.answered else "（打印机不回应状态查询）")
        if spec.kind in ("led", "rating_pad", "scanner"):
            from devices import hcp
            from devices.registry import driver_class

            from devices.registry import UnknownDriver

            try:
                drv = driver_class(spec.kind, spec.driver)(t, spec.options)
            except UnknownDriver as e:
                return False, e.message
            try:
                if spec.kind == "led":
                    drv.hello()
                    drv.show("测试 窗口屏")
                    return True, "窗口屏正常，已显示“测试 窗口屏”"
                if spec.kind == "rating_pad":
                    return True, f"评价器正常：{drv.hello()}"
                return True, "端口可用；请扫一个条码试试"
            except hcp.HcpError as e:
                return False, e.message
        return False, f"未知的设备类型：{spec.kind}"
    except OSError as e:
        return False, f"设备连接中断：{port_error_text(e)}"
    finally:
        t.close()
