"""Calibration of certificate printing per workstation and printer: the x/y offset in mm that
the clerk reads off the calibration sheet, applied to every print on that printer."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hallclient.certificates.models import PrinterCalibration
from hallclient.errors import ValidationFailed
from hallclient.models import utcnow

MAX_OFFSET_MM = 10.0


@dataclass(frozen=True)
class Offset:
    dx_mm: float = 0.0
    dy_mm: float = 0.0


def workstation() -> str:
    """This PC's name: a calibration belongs to one PC and one printer."""
    return (socket.gethostname() or "本机")[:80]


def get_offset(session: Session, printer: str, station: str | None = None) -> Offset:
    row = session.get(PrinterCalibration, (station or workstation(), printer))
    return Offset(row.dx_mm, row.dy_mm) if row else Offset()


def check_offset(dx_mm: float, dy_mm: float) -> None:
    for what, v in (("水平（X）", dx_mm), ("垂直（Y）", dy_mm)):
        if v != v or abs(v) > MAX_OFFSET_MM:  # v != v: NaN
            raise ValidationFailed(f"{what}偏移 {v:g} mm 超出范围：应在 ±{MAX_OFFSET_MM:g} mm 之内。"
                                   "偏差更大时请先检查纸张是否放正、纸盒导板是否靠紧，再打印校准页")


def set_offset(session: Session, printer: str, dx_mm: float, dy_mm: float, *, user_id: int | None = None,
               station: str | None = None) -> Offset:
    if not printer.strip():
        raise ValidationFailed("请先选择打印机")
    check_offset(dx_mm, dy_mm)
    key = (station or workstation(), printer.strip()[:120])
    row = session.get(PrinterCalibration, key)
    if row is None:
        row = PrinterCalibration(workstation=key[0], printer=key[1])
        session.add(row)
    row.dx_mm, row.dy_mm, row.user_id, row.updated_at = round(dx_mm, 2), round(dy_mm, 2), user_id, utcnow()
    return Offset(row.dx_mm, row.dy_mm)
