"""Logging to a rotating file in the data directory. Personal data never goes to the log:
callers log masked values (hallclient.personal.mask_id), and the file's formatter scrubs
anything that still looks like an ID number, credit code or phone number from the whole
formatted record, tracebacks included (an exception's text often carries the value that
failed)."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_ID_LIKE = re.compile(
    r"(?<![0-9A-Za-z])("
    r"\d{17}[\dXx]"                                  # resident ID / residence permit
    r"|\d{15}"                                       # old 15-digit ID, old foreign card digits
    r"|[0-9A-HJ-NPQRTUWXY]{18}"                      # unified social credit code
    r"|(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"  # mobile, also 138-1234-5678 and +86 …
    r"|0\d{2,3}[- ]?\d{7,8}"                         # landline with area code: 0755-83212345
    r")(?![0-9A-Za-z])"
)


# Secrets that might reach a log line through a request, a repr or an exception's text: the
# device token in an Authorization header, anything named token / password / secret.
_SECRET = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|((?:token|password|passwd|secret|pwd)[\"']?\s*[:=]\s*[\"']?)([^\s\"',;}&]+)"
)


def _mask_secret(m: re.Match) -> str:
    return (m.group(1) + "***") if m.group(1) else (m.group(2) + "***")


def _mask(m: re.Match) -> str:
    s = m.group(0)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def scrub(text: str) -> str:
    """`text` with every ID-, credit-code- or phone-like token masked (first 3, last 4 kept)
    and every token / password value replaced by ***."""
    return _ID_LIKE.sub(_mask, _SECRET.sub(_mask_secret, text))


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "hallclient.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=10, encoding="utf-8")
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    for h in list(root.handlers):
        if isinstance(h, logging.handlers.RotatingFileHandler):
            root.removeHandler(h)
            h.close()
    root.addHandler(handler)
    return path
