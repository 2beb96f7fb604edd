"""The supervisor's page (值班长) in the core: the hall's day mirrored locally, 电子监察
warnings, exceptions, 好差评 follow-ups, the day's figures and the daily report's data.

Qt-free: functions take a session (or the store) and plain arguments and return dataclasses.
Functions a clerk may not use take an `Actor` and call `permissions.require`.
"""
