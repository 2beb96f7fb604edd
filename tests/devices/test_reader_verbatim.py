"""The byte dumps of real readers quoted in DOMAIN.md section 8, byte for byte.

Both directions: the simulator must send exactly these frames, and the driver must take them
(and the read replies of every documented size, built here by hand from DOMAIN.md's layout)
through a real pty. Nothing here is built with the driver's own encoder."""

from __future__ import annotations

import os
import threading
import tty
from pathlib import Path

import pytest

from devices import sam
from devices.reader import NoCard, ReaderError, SamReader
from devices.simulators.idreader import IdReaderSimulator, sample_cards
from devices.transport import open_transport

# Verbatim from DOMAIN.md section 8.
FIND_CMD = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")
FIND_OK = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
NO_CARD = bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")
SELECT_OK = bytes.fromhex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")

FIX = Path(__file__).resolve().parent / "fixtures"
REPLY_30_10 = bytes.fromhex((FIX / "reply_30_10_resident.hex").read_text(encoding="ascii"))  # 2321 bytes


def frame(payload: bytes) -> bytes:
    """LEN counts every byte after itself, CHK included; CHK = XOR of LEN .. the byte before."""
    length = (len(payload) + 1).to_bytes(2, "big")
    chk = 0
    for b in length + payload:
        chk ^= b
    return b"\xAA\xAA\xAA\x96\x69" + length + payload + bytes([chk])


def read_reply(fp_len: int | None) -> bytes:
    """A read reply cut by hand from the 2321-byte fixture: SW at 7, lengths at 10, text after.
    fp_len None: the 30 01 reply (two lengths); else 30 10 with that much fingerprint."""
    sw, text_len, photo_len = REPLY_30_10[7:10], REPLY_30_10[10:12], REPLY_30_10[12:14]
    text, photo, fp = REPLY_30_10[16:272], REPLY_30_10[272:1296], REPLY_30_10[1296:2320]
    if fp_len is None:
        return frame(sw + text_len + photo_len + text + photo)
    return frame(sw + text_len + photo_len + fp_len.to_bytes(2, "big") + text + photo + fp[:fp_len])


def test_hand_built_replies_have_the_documented_sizes():
    assert len(read_reply(None)) == 1295 and read_reply(None)[5:7] == b"\x05\x08"
    assert [len(read_reply(n)) for n in (1024, 512, 0)] == [2321, 1809, 1297]
    assert read_reply(1024) == REPLY_30_10


class ScriptedReader:
    """The reader side of a pty that answers each command with fixed bytes."""

    def __init__(self, replies: dict[tuple[int, int], bytes]):
        self.replies = replies
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave = slave
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.transport = open_transport(os.ttyname(slave), 115200)

    def _run(self):
        dec = sam.FrameDecoder()
        while not self.stop.is_set():
            try:
                data = os.read(self.master, 64)
            except OSError:
                return
            for f in dec.feed(data):
                os.write(self.master, self.replies[f.cmd])

    def close(self):
        self.stop.set()
        self.transport.close()
        os.close(self.slave)
        os.close(self.master)


@pytest.mark.parametrize("fp_len", [None, 1024, 512, 0])
def test_driver_reads_through_the_verbatim_find_and_select_frames(fp_len):
    cmd = sam.READ_TEXT_PHOTO if fp_len is None else sam.READ_TEXT_PHOTO_FP
    peer = ScriptedReader({sam.FIND_CARD: FIND_OK, sam.SELECT_CARD: SELECT_OK, cmd: read_reply(fp_len)})
    try:
        doc = SamReader(peer.transport, reply_timeout=2.0, fingerprint=fp_len is not None).read_card()
    finally:
        peer.close()
    assert (doc.name, doc.id_number, doc.valid_to) == ("王𠀀䶮", "53280119601102002X", "长期")
    assert len(doc.photo_wlt) == 1024


def test_driver_takes_the_verbatim_no_card_frame():
    peer = ScriptedReader({sam.FIND_CARD: NO_CARD})
    try:
        with pytest.raises(NoCard):
            SamReader(peer.transport, reply_timeout=1.0).find()
    finally:
        peer.close()


def test_an_error_status_of_a_read_is_len_4_and_said_in_chinese():
    peer = ScriptedReader({sam.FIND_CARD: FIND_OK, sam.SELECT_CARD: SELECT_OK,
                           sam.READ_TEXT_PHOTO: frame(b"\x00\x00\x41")})
    try:
        with pytest.raises(ReaderError) as e:
            SamReader(peer.transport, reply_timeout=1.0).read_card()
    finally:
        peer.close()
    assert e.value.code == "sam_41" and "读卡失败" in e.value.message


def test_decoder_checks_len_against_the_replys_own_fields():
    # An error status with data bytes: LEN must be 4.
    out = sam.FrameDecoder(reply_to=sam.FIND_CARD).feed(frame(b"\x00\x00\x80\x00\x00\x00\x00"))
    assert isinstance(out[0], sam.FrameError) and out[0].kind == "length"
    # A read reply whose fingerprint field says 512 but which carries 1024: refused from its
    # first 16 bytes, without waiting for the rest.
    bad = bytearray(read_reply(1024))
    bad[14:16] = b"\x02\x00"
    out = sam.FrameDecoder(reply_to=sam.READ_TEXT_PHOTO_FP).feed(bytes(bad[:16]))
    assert out == [sam.FrameError("length", "LEN=2314, its length fields say 1802")]
    # Every documented reply passes, split anywhere.
    for cmd, raw in [(sam.FIND_CARD, FIND_OK), (sam.FIND_CARD, NO_CARD), (sam.SELECT_CARD, SELECT_OK),
                     (sam.READ_TEXT_PHOTO, read_reply(None))] + [
                     (sam.READ_TEXT_PHOTO_FP, read_reply(n)) for n in (1024, 512, 0)]:
        d = sam.FrameDecoder(reply_to=cmd)
        got = d.feed(raw[:9]) + d.feed(raw[9:15]) + d.feed(raw[15:])
        assert len(got) == 1 and isinstance(got[0], sam.Frame), (cmd, len(raw))


def _ask(port: str, command: bytes, size: int) -> bytes:
    """Send raw command bytes through the pty and collect exactly `size` reply bytes."""
    t = open_transport(port, 115200)
    try:
        t.reset_input_buffer()
        t.write(command)
        t.timeout = 2.0
        out = b""
        while len(out) < size:
            chunk = t.read(size - len(out))
            if not chunk:
                break
            out += chunk
        t.timeout = 0.2
        assert t.read(1) == b""  # nothing more than the documented frame
        return out
    finally:
        t.close()


def test_simulator_sends_exactly_the_frames_of_real_readers():
    sim = IdReaderSimulator().start()
    try:
        assert _ask(sim.port, FIND_CMD, len(NO_CARD)) == NO_CARD
        sim.place(sample_cards()["resident"])
        assert _ask(sim.port, FIND_CMD, len(FIND_OK)) == FIND_OK
        assert _ask(sim.port, frame(b"\x20\x02"), len(SELECT_OK)) == SELECT_OK
        assert len(_ask(sim.port, frame(b"\x30\x01"), 1295)) == 1295
        for fp, size in ((bytes(1024), 2321), (bytes(512), 1809), (b"", 1297)):
            sim.place(sample_cards()["resident"])
            sim.fingerprint = fp
            reply = _ask(sim.port, frame(b"\x30\x10"), size)
            assert len(reply) == size and int.from_bytes(reply[14:16], "big") == len(fp)
    finally:
        sim.close()
