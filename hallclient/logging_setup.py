"""Logging to a rotating file in the data directory. Personal data never goes to the log:
callers log masked values (hallclient.personal.mask_id), and this filter scrubs anything that
still looks like an ID number, credit code or mobile number."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{18}|1[3-9]\d{9})(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    return _ID_LIKE.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 7) + m.group(0)[-4:], text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "hallclient.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=10, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.setLevel(level)
    for h in list(root.handlers):
        if isinstance(h, logging.handlers.RotatingFileHandler):
            root.removeHandler(h)
            h.close()
    root.addHandler(handler)
    return path
