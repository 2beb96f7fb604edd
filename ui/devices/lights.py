"""Status bar lights: one coloured dot per configured device, tooltip with the detail."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from devices.events import DeviceState
from devices.manager import KIND_LABELS

COLOURS = {"ready": "#1a9c3a", "busy": "#1a6fd1", "connecting": "#c9a100", "disconnected": "#c62828",
           "error": "#e07000", "disabled": "#888888"}


class DeviceLights(QWidget):
    def __init__(self, hub, parent=None):
        super().__init__(parent)
        self.setObjectName("device_lights")
        self.hub = hub
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}
        self.empty = QLabel("未配置设备", objectName="device_lights_empty")
        self.empty.setStyleSheet("color: #888")
        self.lay.addWidget(self.empty)
        hub.status_changed.connect(self.update_light)

    def update_light(self, device: str, kind: str, state: str) -> None:
        lab = self.labels.get(device)
        if lab is None:
            lab = QLabel(objectName=f"light_{device}")
            self.labels[device] = lab
            self.lay.addWidget(lab)
            self.empty.hide()
        name = KIND_LABELS.get(kind, kind)
        label = DeviceState(state).label
        lab.setText(f"<span style='color:{COLOURS.get(state, '#888')}'>●</span> {name}")
        detail = self.hub.states.get(device, ("", "", ""))[2]
        lab.setToolTip(f"{name}：{label}" + (f"\n{detail}" if detail else ""))
        lab.setProperty("state", state)
