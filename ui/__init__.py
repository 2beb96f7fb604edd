"""PySide6 user interface: the window client, hall display and kiosk. The only place with Qt."""
