"""One-shot device checks for the settings dialog's 测试 button and `devices list`.

Each opens the port itself, so callers stop the device's worker first (a port on Windows can
be open only once). Returns a message for the clerk; raises nothing.
"""

from __future__ import annotations

from devices.worker import DeviceSpec

FALLBACK_TEST_TICKET = b"\x1b@\x1c&" + "设备测试 ￥0.00".encode("gb18030") + b"\n\x1bd\x03\x1dVB\x00"


def check_device(spec: DeviceSpec, test_ticket: bytes | None = None) -> tuple[bool, str]:
    from devices.transport import open_transport

    try:
        t = open_transport(spec.port, spec.baud)
    except OSError as e:
        return False, f"无法打开 {spec.port}：{e}"
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

            try:
                drv = driver_class(spec.kind, spec.driver)(t, spec.options)
            except LookupError as e:
                return False, str(e)
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
        return False, f"设备连接中断：{e}"
    finally:
        t.close()
