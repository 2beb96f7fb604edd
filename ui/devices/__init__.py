"""Counter devices in the window client: the DeviceHub (Qt signals of device events), status
lights, the keyboard-wedge scanner filter and the device settings dialog.

`install_devices(main_window)` is the one call MainWindow makes.
"""

from ui.devices.hub import DeviceHub, install_devices  # noqa: F401
