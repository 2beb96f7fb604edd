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


_OS_ERRORS = {
    2: "目录或文件不存在",       # ENOENT
    13: "没有访问权限",           # EACCES
    1: "没有访问权限",            # EPERM
    28: "磁盘空间不足",           # ENOSPC
    30: "磁盘是只读的",           # EROFS
    20: "路径中有一部分不是目录",  # ENOTDIR
}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in the UI language (the OS's own text is English)."""
    return _OS_ERRORS.get(getattr(exc, "errno", None), f"系统错误 {getattr(exc, 'errno', '')}".strip())
