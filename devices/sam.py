"""The SAM frame protocol of second-generation ID card readers (GA 467), the subset we use.

    host -> reader:  AA AA AA 96 69 | LEN(2, big-endian) | CMD PARA | [data] | CHK
    reader -> host:  AA AA AA 96 69 | LEN(2)             | SW1 SW2 SW3 | [data] | CHK

LEN counts every byte after itself, CHK included; CHK is the XOR of LEN .. the byte before CHK.
`FrameDecoder` is incremental: it accepts bytes as they arrive (split anywhere), skips garbage
before the preamble, and reports a bad length or checksum as a `FrameError` item, then resyncs
on the next preamble. It never raises on input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"

# (CMD, PARA)
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_TEXT_PHOTO_FP = (0x30, 0x10)
READ_NEW_ADDRESS = (0x30, 0x03)

SW_SUCCESS = 0x90
SW_FIND_OK = 0x9F
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41

#: SW3 status -> message for the clerk (what happened and what to do).
STATUS_MESSAGES = {
    0x90: "操作成功",
    0x9F: "找卡成功",
    0x80: "未找到身份证，请将证件放在阅读器感应区",
    0x81: "选卡失败，请重新放置身份证",
    0x41: "读卡失败，请将身份证放稳后重试，读完前不要移开",
    0x10: "阅读器报告校验和错误，请重试",
    0x11: "阅读器报告长度错误，请重试",
    0x21: "阅读器报告命令错误",
    0x23: "阅读器报告越权操作",
    0x24: "阅读器报告无法识别的错误",
    0x31: "卡认证机具失败，证件可能已损坏",
    0x32: "机具认证卡失败，证件可能已损坏",
    0x33: "信息验证错误，证件可能已损坏",
    0x40: "无法识别的卡类型，请放置居民身份证或居住证",
    0x60: "阅读器安全模块自检失败，请联系信息科",
    0x66: "阅读器安全模块未经授权，请联系信息科",
    0x91: "证件中没有此项信息",
}

#: The largest frame we accept (text + photo + fingerprint is 2 321 bytes): anything larger is a
#: corrupted length field, not a frame worth waiting for.
MAX_LEN = 4096
#: LEN of an error-status reply: SW1 SW2 SW3 CHK (DOMAIN.md: "An error status of any command
#: is LEN 0x0004").
STATUS_LEN = 4
#: Find and select replies carry a few data bytes whose content no driver needs (real readers
#: send four and eight 00 bytes: LEN 0x0008 / 0x000C). Makes differ in such opaque tails, so
#: any count up to this bound is taken; more is a corrupted LEN, not a reply worth waiting for.
SHORT_DATA_MAX = 32
#: The read commands whose success reply carries its own length fields right after SW1..SW3:
#: text and photo (30 01), plus fingerprint (30 10).
READ_LENGTH_FIELDS = {(0x30, 0x01): 2, (0x30, 0x10): 3}
#: Success status of each command (anything else is an error status: LEN 0x0004).
SUCCESS = {(0x20, 0x01): 0x9F}
MIN_LEN = 4  # SW1 SW2 SW3 CHK (or CMD PARA CHK + 1 for commands: 3, see `min_len`)


def status_message(sw3: int) -> str:
    return STATUS_MESSAGES.get(sw3, f"阅读器返回未知状态 {sw3:02X}，请重试")


def checksum(body: bytes) -> int:
    return reduce(lambda a, b: a ^ b, body, 0)


def encode(payload: bytes) -> bytes:
    """Wrap `payload` (CMD PARA data, or SW1 SW2 SW3 data) into a frame."""
    n = len(payload) + 1
    body = n.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def command(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    return encode(bytes(cmd) + data)


def reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return encode(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame's payload (everything between LEN and CHK)."""

    payload: bytes

    @property
    def sw3(self) -> int:  # reader replies: the status byte (absolute offset 9)
        return self.payload[2]

    @property
    def data(self) -> bytes:  # reader replies: what follows SW1..SW3
        return self.payload[3:]

    @property
    def cmd(self) -> tuple[int, int]:  # host commands
        return self.payload[0], self.payload[1]


@dataclass(frozen=True)
class FrameError:
    kind: str  # "checksum" | "length"
    detail: str

    @property
    def message(self) -> str:
        return {
            "checksum": "阅读器数据校验错误，已重新同步，请重试",
            "length": "阅读器数据长度错误，已重新同步，请重试",
        }.get(self.kind, "阅读器数据错误，请重试")


NEED_MORE = object()


def reply_len_problem(cmd: tuple[int, int], n: int, head: bytes):
    """Check a reply's LEN `n` against what the reply itself says, as soon as enough of it
    (`head`: the payload bytes received so far, SW1 first) has arrived.

    Returns None when LEN agrees, a short description when it cannot be right, or NEED_MORE
    while the bytes that decide have not arrived yet. An error status has no data (LEN 4);
    a read's success reply is exactly its SW, its length fields and the blocks they announce;
    other replies carry a short opaque tail (find: 4 bytes, select: 8 on real readers)."""
    if n < STATUS_LEN:
        return f"LEN={n}"
    if len(head) < 3:
        return NEED_MORE
    ok = SUCCESS.get(cmd, 0x90)
    if head[2] != ok:
        return None if n == STATUS_LEN else f"LEN={n} for status {head[2]:02X}"
    fields = READ_LENGTH_FIELDS.get(cmd)
    if fields is None:
        if cmd in (FIND_CARD, SELECT_CARD) and n > STATUS_LEN + SHORT_DATA_MAX:
            return f"LEN={n} for a {cmd[0]:02X} {cmd[1]:02X} reply"
        return None
    hdr = 2 * fields
    if n < STATUS_LEN + hdr:
        return f"LEN={n} shorter than its length fields"
    if len(head) < 3 + hdr:
        return NEED_MORE
    want = STATUS_LEN + hdr + sum(int.from_bytes(head[3 + 2 * i : 5 + 2 * i], "big") for i in range(fields))
    return None if n == want else f"LEN={n}, its length fields say {want}"


class FrameDecoder:
    """Incremental decoder. `feed(data)` returns the complete frames and errors found so far."""

    def __init__(self, min_len: int = 3, max_len: int = MAX_LEN, reply_to: tuple[int, int] | None = None):
        self.buf = bytearray()
        self.min_len, self.max_len = min_len, max_len
        self.reply_to = reply_to  # the command whose reply this is: its LEN is checked against it
        self.garbage = 0  # bytes skipped before a preamble (diagnostics)

    @property
    def in_frame(self) -> int:
        """Bytes of a frame that has started (preamble seen) but is not complete yet."""
        return len(self.buf) if self.buf.startswith(PREAMBLE) else 0

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self.buf += data
        out: list[Frame | FrameError] = []
        while True:
            i = self.buf.find(PREAMBLE)
            if i < 0:
                # Keep a tail that may be the start of a preamble split across reads.
                keep = 0
                for k in range(min(len(PREAMBLE) - 1, len(self.buf)), 0, -1):
                    if PREAMBLE.startswith(bytes(self.buf[-k:])):
                        keep = k
                        break
                self.garbage += len(self.buf) - keep
                del self.buf[: len(self.buf) - keep]
                return out
            if i:
                self.garbage += i
                del self.buf[:i]
            if len(self.buf) < 7:
                return out
            n = int.from_bytes(self.buf[5:7], "big")
            problem = None if self.min_len <= n <= self.max_len else f"LEN={n}"
            if problem is None and self.reply_to is not None:
                verdict = reply_len_problem(self.reply_to, n, bytes(self.buf[7 : 7 + n - 1]))
                if verdict is NEED_MORE:
                    return out
                problem = verdict
            if problem is not None:
                out.append(FrameError("length", problem))
                del self.buf[:1]  # resync on the next preamble
                continue
            if len(self.buf) < 7 + n:
                return out
            body = bytes(self.buf[5 : 7 + n - 1])
            chk = self.buf[7 + n - 1]
            if checksum(body) != chk:
                out.append(FrameError("checksum", f"got {chk:02X} want {checksum(body):02X}"))
                del self.buf[:1]
                continue
            out.append(Frame(body[2:]))
            del self.buf[: 7 + n]

    def reset(self) -> None:
        self.buf.clear()
