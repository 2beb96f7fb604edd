"""Device settings: the DeviceConfig rows as a table — kind, driver, port (listed with
pyserial, or typed: tcp://host:9100, file:path), baud, enabled — and a 测试 button per row."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
)

from devices.manager import DEFAULT_BAUD, KIND_LABELS
from devices.worker import DeviceSpec

BAUDS = ("9600", "19200", "38400", "57600", "115200")
COLS = ("类型", "驱动", "端口", "波特率", "启用", "")


def serial_ports() -> list[str]:
    from serial.tools import list_ports

    return [p.device for p in list_ports.comports()]


class DeviceSettingsDialog(QDialog):
    def __init__(self, store, parent=None, demo: bool = False, actor=None):
        super().__init__(parent)
        # Who changes the devices: the core checks the role and audits the change.
        self.actor = actor if actor is not None else getattr(getattr(parent, "session", None), "actor", None)
        self.setWindowTitle("设备设置")
        self.setObjectName("device_settings")
        self.resize(860, 360)
        self.store = store
        self.ports = serial_ports()
        lay = QVBoxLayout(self)
        hint = "演示模式：设备由模拟器提供，此处的配置在正式运行时生效。" if demo else "端口可选串口，也可填写 tcp://地址:9100 或 file:路径。"
        lay.addWidget(QLabel(hint, objectName="device_settings_hint"))
        self.table = QTableWidget(0, len(COLS), objectName="device_table")
        self.table.setHorizontalHeaderLabels(COLS)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c in (0, 4, 5):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.add_btn = QPushButton("添加设备", objectName="add_device")
        self.add_btn.clicked.connect(lambda: self.add_row(DeviceSpec("id_reader", "", 115200)))
        self.remove_btn = QPushButton("删除所选", objectName="remove_device")
        self.remove_btn.clicked.connect(self.remove_selected)
        row.addWidget(self.add_btn)
        row.addWidget(self.remove_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.result_label = QLabel("", objectName="device_test_result")
        self.result_label.setWordWrap(True)
        lay.addWidget(self.result_label)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        bb.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        bb.accepted.connect(self.save)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        self.ids: list[int | None] = []
        self.load()

    # -- rows ---------------------------------------------------------------------------------
    def load(self) -> None:
        from sqlalchemy import select

        from hallclient.models import DeviceConfig

        with self.store.read() as s:
            rows = [(r.id, DeviceSpec.from_config(r)) for r in s.scalars(select(DeviceConfig).order_by(DeviceConfig.id))]
        for rid, spec in rows:
            self.add_row(spec, rid)

    def add_row(self, spec: DeviceSpec, rid: int | None = None) -> int:
        from devices.registry import drivers

        r = self.table.rowCount()
        self.table.insertRow(r)
        self.ids.append(rid)
        kind = QComboBox()
        for k, label in KIND_LABELS.items():
            kind.addItem(label, k)
        kind.setCurrentIndex(max(0, kind.findData(spec.kind)))
        driver = QComboBox()
        driver.setEditable(True)

        def fill_drivers():
            driver.clear()
            driver.addItems(drivers(kind.currentData()) or ["default"])

        fill_drivers()
        driver.setCurrentText(spec.driver)
        port = QComboBox()
        port.setEditable(True)
        port.addItems(self.ports)
        port.setCurrentText(spec.port)
        port.lineEdit().setPlaceholderText("如 /dev/ttyUSB0、COM3、tcp://192.168.1.20:9100")
        baud = QComboBox()
        baud.setEditable(True)
        baud.addItems(BAUDS)
        baud.setCurrentText(str(spec.baud))

        def kind_changed():
            fill_drivers()
            baud.setCurrentText(str(DEFAULT_BAUD.get(kind.currentData(), 9600)))

        kind.currentIndexChanged.connect(kind_changed)
        enabled = QCheckBox()
        enabled.setChecked(spec.enabled)
        test = QPushButton("测试", objectName=f"test_device_{r}")
        test.clicked.connect(lambda _=False, b=test: self.test_row(self._row_of(b)))
        for c, w in enumerate((kind, driver, port, baud, enabled, test)):
            self.table.setCellWidget(r, c, w)
        self.table.setRowHeight(r, 34)
        return r

    def _row_of(self, widget) -> int:
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, 5) is widget:
                return r
        return -1

    def spec_of(self, r: int) -> DeviceSpec:
        w = [self.table.cellWidget(r, c) for c in range(5)]
        text = w[3].currentText().strip()
        if not text.isdigit():
            raise ValueError(f"第 {r + 1} 行：波特率必须是数字")
        port = w[2].currentText().strip()
        if not port:
            raise ValueError(f"第 {r + 1} 行：请填写端口")
        return DeviceSpec(w[0].currentData(), port, int(text), w[1].currentText().strip() or "default",
                          name=f"{w[0].currentData()}#{r + 1}", enabled=w[4].isChecked())

    def remove_selected(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)
            del self.ids[r]

    # -- actions ------------------------------------------------------------------------------
    def test_row(self, r: int) -> None:
        from devices.check import check_device
        from ui.ops import Op, error_text

        try:
            spec = self.spec_of(r)
        except ValueError as e:
            self.result_label.setText(str(e))
            return
        ticket = _test_ticket() if spec.kind == "ticket_printer" else None
        self.result_label.setText(f"正在测试{KIND_LABELS.get(spec.kind, spec.kind)}…")
        Op(self, check_device, spec, ticket).success(
            lambda res: self.result_label.setText(("✔ " if res[0] else "✘ ") + res[1])
        ).failure(lambda e: self.result_label.setText(f"✘ {error_text(e)}")).run()

    def save(self) -> None:
        try:
            specs = [self.spec_of(r) for r in range(self.table.rowCount())]
        except ValueError as e:
            QMessageBox.warning(self, "设备设置", str(e))
            return
        from ui.ops import Op, error_text

        if self.actor is None:
            QMessageBox.warning(self, "设备设置", "未登录，不能修改设备设置")
            return
        self.setEnabled(False)  # until the writer has saved (off the UI thread)
        Op(self, save_device_configs, self.store, list(zip(self.ids, specs)), self.actor, writer=True).success(
            lambda _: self.accept()).failure(lambda e: (self.setEnabled(True),
                                                        QMessageBox.warning(self, "设备设置", error_text(e)))).run()


def save_device_configs(store, rows: list, actor) -> None:
    """Replace the device rows with (id or None, DeviceSpec) pairs, in one transaction; `actor`
    must be allowed to manage devices (checked and audited in the same transaction)."""
    from hallclient.models import DeviceConfig
    from hallclient.settings_ops import record_device_change

    with store.write() as s:
        record_device_change(s, actor, {"count": len(rows), "kinds": sorted({spec.kind for _, spec in rows})})
        keep = {rid for rid, _ in rows if rid is not None}
        for row in s.query(DeviceConfig).all():
            if row.id not in keep:
                s.delete(row)
        for rid, spec in rows:
            row = s.get(DeviceConfig, rid) if rid is not None else None
            if row is None:
                row = DeviceConfig(options={})
                s.add(row)
            row.kind, row.driver, row.port, row.baud, row.enabled = spec.kind, spec.driver, spec.port, spec.baud, spec.enabled

    def _write(self, s, specs) -> None:
        from hallclient.models import DeviceConfig

        keep = {i for i in self.ids if i is not None}
        for row in s.query(DeviceConfig).all():
            if row.id not in keep:
                s.delete(row)
        for rid, spec in zip(self.ids, specs):
            row = s.get(DeviceConfig, rid) if rid is not None else None
            if row is None:
                row = DeviceConfig(options={})
                s.add(row)
            row.kind, row.driver, row.port, row.baud, row.enabled = spec.kind, spec.driver, spec.port, spec.baud, spec.enabled


def _test_ticket() -> bytes | None:
    try:
        from printing.ticket import test_ticket_bytes
    except ImportError:
        return None
    try:
        return test_ticket_bytes()
    except Exception:  # noqa: BLE001 - fall back to the built-in test line
        return None
