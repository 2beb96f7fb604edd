"""Driver plug-ins: `(kind, name) -> driver class`.

Our own protocols register as "default". A vendor's protocol is a class implementing the
kind's driver interface (devices/led.py `LedDriver`, devices/rating.py `RatingPadDriver`,
devices/scanner.py `ScannerDriver`), registered either by importing a module that uses
`@register_driver("led", "vendorx")`, or from another package through the entry point group
`hallclient.devices` (name = "kind:driver", value = "module:Class").
The `driver` column of DeviceConfig names the plug-in.
"""

from __future__ import annotations

import logging
from importlib import metadata

log = logging.getLogger(__name__)

_DRIVERS: dict[tuple[str, str], type] = {}
_loaded_entry_points = False


class UnknownDriver(LookupError):
    """No plug-in of that name: a configuration mistake that retrying cannot fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def register_driver(kind: str, name: str):
    def deco(cls):
        _DRIVERS[(kind, name)] = cls
        cls.driver_name = name
        return cls

    return deco


def _load_builtin() -> None:
    from devices import led, rating, scanner  # noqa: F401 - registering side effects


def _load_entry_points() -> None:
    global _loaded_entry_points
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    try:
        eps = metadata.entry_points(group="hallclient.devices")
    except Exception:  # noqa: BLE001
        return
    for ep in eps:
        try:
            kind, name = ep.name.split(":", 1)
            _DRIVERS[(kind, name)] = ep.load()
        except Exception:  # noqa: BLE001 - a broken plug-in must not stop the client
            log.exception("device plug-in %s failed to load", ep.name)


def driver_class(kind: str, name: str = "default") -> type:
    _load_builtin()
    if (kind, name) not in _DRIVERS:
        _load_entry_points()
    try:
        return _DRIVERS[(kind, name)]
    except KeyError:
        from devices.manager import KIND_LABELS

        raise UnknownDriver(f"没有{KIND_LABELS.get(kind, kind)}驱动“{name}”（可用：{'、'.join(drivers(kind)) or '无'}）。"
                            "请在“设备设置”中改正驱动名称或安装该插件") from None


def drivers(kind: str) -> list[str]:
    _load_builtin()
    _load_entry_points()
    return sorted(n for k, n in _DRIVERS if k == kind)
