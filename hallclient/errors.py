"""Errors a person can act on. `message` is in the UI language (Simplified Chinese)."""


class HallError(Exception):
    """Base of errors whose message is meant for the clerk or the IT staff, not a traceback."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyRunning(HallError):
    pass


class CalendarMissing(HallError):
    pass


class ValidationFailed(HallError):
    pass


class LoginFailed(HallError):
    pass
