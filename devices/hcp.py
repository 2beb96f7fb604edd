"""HCP/1, the hall counter protocol of our own for window LED strips and rating pads.

    STX 02 | ADDR | CMD | LEN | DATA (LEN bytes) | CHK | ETX 03

ADDR is the bus address (RS-485; 01 on a point-to-point line), CHK the XOR of ADDR .. last
DATA byte. Text is UTF-8. Every host command is answered by ACK (06, DATA = the command byte,
optionally followed by info) or NAK (15, DATA = command byte + error code). The rating pad
also sends unsolicited RATING (56) frames, numbered, which the host acknowledges with the
number (ACK 56 seq); the pad resends until acknowledged and the host counts a number once. docs/devices.md has the
full table; vendors' protocols are added as driver plug-ins instead (devices/registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

STX, ETX = 0x02, 0x03
ACK, NAK = 0x06, 0x15
PING = 0x50  # P: -> ACK + model/version text
SHOW = 0x54  # T: LED text, DATA = mode (0 static, 1 scroll) + UTF-8 text, lines split by \n
CLEAR = 0x43  # C
BRIGHTNESS = 0x42  # B: DATA = 0..15
REQUEST = 0x52  # R: rating pad, DATA = UTF-8 token + 1F + prompt
CANCEL = 0x4B  # K: rating pad, withdraw the request
RATING = 0x56  # V: pad -> host, DATA = seq + level(1..5) + n + n x 2 ASCII reason codes + UTF-8 token

NAK_CODES = {0x01: "校验错误", 0x02: "未知命令", 0x03: "参数错误", 0x04: "设备忙"}


@dataclass(frozen=True)
class HcpFrame:
    addr: int
    cmd: int
    data: bytes = b""


class HcpError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def encode(cmd: int, data: bytes = b"", addr: int = 1) -> bytes:
    if len(data) > 255:
        raise HcpError("内容过长（最多 255 字节）")
    body = bytes([addr, cmd, len(data)]) + data
    return bytes([STX]) + body + bytes([reduce(lambda a, b: a ^ b, body, 0), ETX])


class HcpDecoder:
    """Incremental; skips noise and frames with a bad checksum (counted in `.errors`).

    A stray STX (line noise, a half frame from before a power cut) makes the byte after it look
    like ADDR and puts LEN on the wrong byte; waiting for that many bytes would stall the reply
    behind it until the host times out. So an incomplete frame is given up as soon as a later
    STX in the buffer starts a complete, valid frame."""

    def __init__(self):
        self.buf = bytearray()
        self.errors = 0

    def feed(self, data: bytes) -> list[HcpFrame]:
        self.buf += data
        out = []
        while True:
            i = self.buf.find(STX)
            if i < 0:
                self.buf.clear()
                return out
            del self.buf[:i]
            got = self._frame_at(0)
            if isinstance(got, HcpFrame):
                out.append(got)
                del self.buf[: 6 + len(got.data)]
                continue
            if got == "bad":
                self.errors += 1
                del self.buf[:1]
                continue
            later = next((j for j in range(1, len(self.buf)) if self.buf[j] == STX
                          and isinstance(self._frame_at(j), HcpFrame)), None)
            if later is None:
                return out  # a frame still arriving
            self.errors += 1  # the STX we waited on was stray
            del self.buf[:later]

    def _frame_at(self, i: int) -> HcpFrame | str:
        """The frame starting at buf[i] (an STX), or "short" (incomplete) or "bad"."""
        if len(self.buf) < i + 4:
            return "short"
        n = self.buf[i + 3]
        if len(self.buf) < i + 6 + n:
            return "short"
        body = bytes(self.buf[i + 1 : i + 4 + n])
        chk, etx = self.buf[i + 4 + n], self.buf[i + 5 + n]
        if etx != ETX or reduce(lambda a, b: a ^ b, body, 0) != chk:
            return "bad"
        return HcpFrame(body[0], body[1], body[3:])


def rating_data(level: int, reasons: tuple[str, ...], token: str, seq: int = 1) -> bytes:
    """RATING DATA. `seq` (1..255, then 1 again) is the pad's number of this rating: a resend
    after a lost ACK carries the same number, so the host can count it once."""
    return bytes([seq, level, len(reasons)]) + "".join(reasons).encode("ascii") + token.encode("utf-8")


def next_seq(seq: int) -> int:
    return seq % 255 + 1


def parse_rating(data: bytes) -> tuple[int, int, tuple[str, ...], str]:
    """(seq, level, reasons, token) of a RATING frame's DATA; HcpError when malformed."""
    if len(data) < 3 or not 1 <= data[0] <= 255 or not 1 <= data[1] <= 5 or len(data) < 3 + 2 * data[2]:
        raise HcpError("评价器数据格式错误")
    n = data[2]
    raw = data[3 : 3 + 2 * n].decode("ascii", errors="replace")
    reasons = tuple(raw[i : i + 2] for i in range(0, len(raw), 2))
    return data[0], data[1], reasons, data[3 + 2 * n :].decode("utf-8", errors="replace")
