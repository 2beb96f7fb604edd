"""The ID card reader: the SAM command sequence over a transport, and its polling worker.

`SamReader` is synchronous and used both by the worker and by `hallclient devices read-id`.
`IdReaderWorker` polls about once a second (find -> select -> read), publishes `CardRead`, and
does not publish the same card again until the reader has reported "no card" at least once
(the card must leave the field before it is read again).
"""

from __future__ import annotations

import logging
import time

from devices import idcard, sam
from devices.events import CardRead, DeviceState, ReaderRearmed
from devices.transport import read_available
from devices.worker import CancelToken, DeviceWorker
from hallclient.identity import IdentityDocument

log = logging.getLogger(__name__)


class ReaderError(Exception):
    """A failed exchange with the reader. `.message` is for the clerk; `.code` for programs."""

    def __init__(self, message: str, code: str, status: int | None = None):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


class NoCard(ReaderError):
    def __init__(self):
        super().__init__(sam.status_message(sam.SW_NO_CARD), "no_card", sam.SW_NO_CARD)


class SamReader:
    """find / select / read over an open transport. Every method raises ReaderError (or
    OSError when the port is gone); after any error the input is flushed so the next
    exchange starts on a frame boundary."""

    def __init__(self, transport, reply_timeout: float = 3.0, fingerprint: bool = False):
        self.t = transport
        self.reply_timeout = reply_timeout
        self.fingerprint = fingerprint
        self.decoder = sam.FrameDecoder(min_len=4)
        self.deadline: float | None = None  # time.monotonic() no exchange may run past (read-id --timeout)
        self.wire_bytes = 0  # bytes sent + received (benchmark: wire time)
        self.received_bytes = 0

    def exchange(self, cmd: tuple[int, int], token: CancelToken | None = None) -> sam.Frame:
        """Send `cmd`, return its reply frame. A broken frame (bad checksum, a LEN this command
        cannot have) is skipped: a valid frame may still follow before the deadline. Without
        one: the broken frame's typed error, "length" when a frame was left incomplete (a
        dropped byte), "noise" for bytes that never formed a frame, "timeout" for silence.
        A reply's length is its LEN, checked against the reply's own fields as it arrives
        (`sam.reply_len_problem`), so every documented variant is taken without a list."""
        self.decoder.reset()
        self.decoder.reply_to = cmd
        self.t.reset_input_buffer()
        out = sam.command(cmd)
        self.t.write(out)
        self.wire_bytes += len(out)
        deadline = time.monotonic() + self.reply_timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        broken: sam.FrameError | None = None
        got = 0
        while time.monotonic() < deadline:
            if token is not None and token.cancelled:
                raise ReaderError("读卡已取消", "cancelled")
            chunk = read_available(self.t)
            if not chunk:
                continue
            got += len(chunk)
            self.wire_bytes += len(chunk)
            self.received_bytes += len(chunk)
            for item in self.decoder.feed(chunk):
                if isinstance(item, sam.FrameError):
                    log.info("reader: skipped a broken frame (%s %s)", item.kind, item.detail)
                    broken = item
                    continue
                self.decoder.reset()  # anything after the reply belongs to no command of ours
                return item
        partial = self.decoder.in_frame
        self._resync()
        if partial:
            raise ReaderError(f"阅读器数据不完整（收到 {partial} 字节的残缺数据帧），请重新放置证件后重试；"
                              "反复出现请检查连接线", "length")
        if broken is not None:
            raise ReaderError(broken.message, broken.kind)
        if got:
            raise ReaderError("阅读器返回了无法识别的数据，请检查波特率设置（身份证阅读器一般为 115200）", "noise")
        raise ReaderError("阅读器无应答，请检查连接线和端口设置", "timeout")

    def _resync(self) -> None:
        # Let the rest of a broken frame arrive, then drop it.
        time.sleep(0.02)
        self.t.reset_input_buffer()
        self.decoder.reset()

    def _expect(self, frame: sam.Frame, ok: int) -> sam.Frame:
        if frame.sw3 != ok:
            if frame.sw3 == sam.SW_NO_CARD:
                raise NoCard()
            raise ReaderError(sam.status_message(frame.sw3), f"sam_{frame.sw3:02x}", frame.sw3)
        return frame

    def find(self, token=None) -> None:
        self._expect(self.exchange(sam.FIND_CARD, token), sam.SW_FIND_OK)

    def select(self, token=None) -> None:
        self._expect(self.exchange(sam.SELECT_CARD, token), sam.SW_SUCCESS)

    def read(self, token=None) -> IdentityDocument:
        cmd = sam.READ_TEXT_PHOTO_FP if self.fingerprint else sam.READ_TEXT_PHOTO
        f = self._expect(self.exchange(cmd, token), sam.SW_SUCCESS)
        return parse_read_reply(f.data, self.fingerprint)

    def read_card(self, token=None) -> IdentityDocument:
        """One full read: find, select, read. Raises NoCard when nothing is on the reader."""
        self.find(token)
        self.select(token)
        return self.read(token)


def parse_read_reply(data: bytes, fingerprint: bool) -> IdentityDocument:
    """The data of a 30 01 / 30 10 reply: lengths, then text, photo (and fingerprint).

    The blocks are exactly what the length fields announce: text 256 bytes, the photo as
    long as its field says (1024 on every card so far), the fingerprint 0, 512 or 1024 bytes
    (cards before 2013 have none); it is not kept, only skipped."""
    hdr = 6 if fingerprint else 4
    if len(data) < hdr:
        raise ReaderError("阅读器返回的数据不完整，请重新放置证件", "length")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if fingerprint else 0
    if text_len != idcard.TEXT_LEN or len(data) != hdr + text_len + photo_len + fp_len:
        raise ReaderError("阅读器返回的数据长度不对，请重新放置证件", "length")
    text = data[hdr : hdr + text_len]
    photo = data[hdr + text_len : hdr + text_len + photo_len]
    try:
        return idcard.parse_text_block(text, photo)
    except idcard.CardFormatError as e:
        raise ReaderError(e.message, "format") from e


def build_read_reply(doc: IdentityDocument, fingerprint: bytes | None = None) -> bytes:
    """Reply data for a read command (simulator side): lengths, text, photo[, fingerprint]."""
    text = idcard.encode_text_block(doc)
    photo = (doc.photo_wlt or idcard.fake_wlt(doc.id_number)).ljust(idcard.PHOTO_LEN, b"\0")[: idcard.PHOTO_LEN]
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is not None:
        head += len(fingerprint).to_bytes(2, "big")
        return head + text + photo + fingerprint
    return head + text + photo


#: Failures of the line itself (nothing or garbage came back), as opposed to a reader that
#: answered with an error status about the card.
LINK_FAILURES = ("timeout", "checksum", "length", "noise")
#: This many link failures in a row: the reader is dead, silent or on the wrong baud rate.
LINK_FAILURE_LIMIT = 2
NO_REPLY_MESSAGE = "阅读器无应答，请检查连接线、电源和波特率"
GARBLED_MESSAGE = "阅读器数据连续出错，请检查连接线、电源和波特率"


class IdReaderWorker(DeviceWorker):
    """Polls the reader; publishes CardRead once per placement of a card.

    A port that opens is not yet a reader that answers: after LINK_FAILURE_LIMIT timeouts or
    broken frames in a row the worker goes to ERROR (one DeviceError, not one per poll) and
    back to READY at the next valid frame."""

    def __init__(self, spec, bus=None, handler=None):
        super().__init__(spec, bus, handler)
        self.idle_interval = float(spec.options.get("poll_interval", 1.0))
        self.reader: SamReader | None = None
        self._armed = True  # False after a read, until the reader reports "no card"
        self.polling = bool(spec.options.get("poll", True))
        self.link_failures = 0  # consecutive timeouts / broken frames

    def on_connected(self) -> None:
        self.reader = SamReader(self.transport, float(self.spec.options.get("reply_timeout", 3.0)),
                                bool(self.spec.options.get("fingerprint", False)))
        self.link_failures = 0  # a new port (or the same one replugged): judge it afresh

    def idle(self) -> None:
        if self.polling:
            self.poll_once()

    def poll_once(self, token: CancelToken | None = None) -> IdentityDocument | None:
        try:
            self.reader.find(token)
        except NoCard:
            self._link_ok()
            if not self._armed:
                self.publish(ReaderRearmed(self.name))
            self._armed = True
            self.set_state(DeviceState.READY)
            return None
        except ReaderError as e:
            self._report(e)
            return None
        self._link_ok()
        if not self._armed:
            return None  # the same card is still lying there (readers that find it again)
        self.set_state(DeviceState.BUSY, "正在读卡")
        try:
            self.reader.select(token)
            doc = self.reader.read(token)
        except NoCard:
            self._link_ok()
            self.handler.card_removed_too_early(self.name)
            self.error("身份证被过早移开，请重新放置并保持到读卡完成", "removed")
            self.set_state(DeviceState.READY)
            return None
        except ReaderError as e:
            if e.status in (sam.SW_SELECT_FAILED, sam.SW_READ_FAILED):
                self.handler.card_removed_too_early(self.name)
            self._report(e)
            return None
        self._armed = False
        self.set_state(DeviceState.READY)
        self.publish(CardRead(self.name, document=doc))
        return doc

    def _link_ok(self) -> None:
        """A valid frame arrived: the line works (again)."""
        if self.link_failures >= LINK_FAILURE_LIMIT and self.state == DeviceState.ERROR:
            log.info("%s: reader answers again", self.name)
        self.link_failures = 0

    def _report(self, e: ReaderError) -> None:
        log.info("%s: %s (%s)", self.name, e.message, e.code)
        if e.code in LINK_FAILURES:
            self._link_failed(e)
            return
        if e.code != "cancelled":
            self._link_ok()  # the reader answered, with an error about the card
        self.error(e.message, e.code)
        if e.status in (0x60, 0x66):
            self.set_state(DeviceState.ERROR, e.message)
        else:
            self.set_state(DeviceState.READY)
        if e.code.startswith("sam_") and e.status not in (sam.SW_SELECT_FAILED, sam.SW_READ_FAILED):
            self.handler.card_unreadable(self.name, e.message)

    def _link_failed(self, e: ReaderError) -> None:
        """A timeout or a broken frame. One is a glitch (the next poll retries, a card stays
        armed); several in a row mean the reader is not there: ERROR, said once."""
        self.link_failures += 1
        if self.link_failures < LINK_FAILURE_LIMIT:
            if self.state == DeviceState.BUSY:  # a read broke off; the card stays armed
                self.set_state(DeviceState.READY)
            return
        message = NO_REPLY_MESSAGE if e.code == "timeout" else GARBLED_MESSAGE
        if self.state != DeviceState.ERROR:
            self.set_state(DeviceState.ERROR, message)
            self.error(message, "no_reply" if e.code == "timeout" else "garbled")

    def read_now(self, timeout: float = 10.0):
        """A Future of one read attempt now (the settings dialog's 测试 button)."""
        def run(t, token):
            self._armed = True
            return self.reader.read_card(token)
        return self.submit(run, timeout=timeout)
