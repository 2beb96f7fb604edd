"""ID card reader simulator: the SAM protocol with cards from JSON files and fault injection.

Faults are queued with `inject(fault, on=command)` and apply to the next matching reply:
  garbage     random bytes before the preamble        split        reply in small chunks
  checksum    wrong CHK                                 length       absurd LEN field
  status:XX   reply status XX (hex) instead of success  silence      no reply at all
  vanish      send half the reply, then unplug (the driver's port fails mid-read)
  badlen      a plausible but wrong LEN (16 more than sent; checksum matches the bytes sent)
  drop        one byte of the reply lost on the line (the frame never completes)
  doubled     a copy with a bad checksum, then the good reply (the driver must take the good one)
`on` is "find", "select", "read" or "any".
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path

from devices import sam
from devices.idcard import document_from_json
from devices.reader import build_read_reply
from devices.simulators.base import PtySimulator
from hallclient.identity import IdentityDocument

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_cards"

_NAMES = {sam.FIND_CARD: "find", sam.SELECT_CARD: "select", sam.READ_TEXT_PHOTO: "read",
          sam.READ_TEXT_PHOTO_FP: "read"}


#: What real readers append to a successful find and select (DOMAIN.md section 8, published
#: byte dumps of several makes): LEN 0x0008 and 0x000C. Error replies carry no data (LEN 4).
FIND_OK_DATA = bytes(4)
SELECT_OK_DATA = bytes(8)
#: Fingerprint block sizes a card may hold (30 10): 1024, 512, or none before 2013.
FINGERPRINT_SIZES = (1024, 512, 0)


def load_card(path: str | os.PathLike) -> IdentityDocument:
    """A card from a JSON file (the shape `hallclient devices read-id` prints)."""
    p = Path(path)
    if not p.exists() and (SAMPLE_DIR / p.name).exists():
        p = SAMPLE_DIR / p.name
    if not p.exists() and (SAMPLE_DIR / f"{p.name}.json").exists():
        p = SAMPLE_DIR / f"{p.name}.json"
    return document_from_json(json.loads(p.read_text(encoding="utf-8")))


def sample_cards() -> dict[str, IdentityDocument]:
    return {p.stem: load_card(p) for p in sorted(SAMPLE_DIR.glob("*.json"))}


class IdReaderSimulator(PtySimulator):
    kind = "id_reader"

    def __init__(self, card: IdentityDocument | str | None = None, *, link=None, pace_baud=0,
                 find_delay=0.0, select_delay=0.0, read_delay=0.0, refind=False):
        super().__init__(link=link, pace_baud=pace_baud)
        self.decoder = sam.FrameDecoder(min_len=3)
        self.card: IdentityDocument | None = None
        self.delays = {"find": find_delay, "select": select_delay, "read": read_delay}
        self.refind = refind  # True: like readers that find a card again while it lies there
        # What 30 10 returns as the fingerprint block (1024 or 512 bytes, or b"" like a card
        # issued before 2013; see FINGERPRINT_SIZES).
        self.fingerprint = bytes(range(256)) * 4
        self.faults: list[tuple[str, str]] = []
        self.commands: list[str] = []
        self.reads = 0
        self._selected = False
        self._consumed = False  # read already; must leave the field before it is found again
        self._lock = threading.Lock()
        self.read_done = threading.Event()
        if card is not None:
            self.place(card)

    @classmethod
    def realistic(cls, card=None, **kw):
        """With the timings of real readers (~0.8 s find, 0.3 s select, 1.1 s read)."""
        return cls(card, find_delay=0.8, select_delay=0.3, read_delay=1.1, **kw)

    # -- the card on the reader ---------------------------------------------------------------------
    def place(self, card: IdentityDocument | str) -> None:
        with self._lock:
            self.card = load_card(card) if isinstance(card, (str, os.PathLike)) else card
            self._consumed = False
            self._selected = False
            self.read_done.clear()

    def remove(self) -> None:
        with self._lock:
            self.card = None
            self._selected = False
            self._consumed = False

    def inject(self, fault: str, on: str = "any") -> None:
        with self._lock:
            self.faults.append((fault, on))

    def _take_fault(self, name: str) -> str | None:
        with self._lock:
            for i, (f, on) in enumerate(self.faults):
                if on in ("any", name):
                    del self.faults[i]
                    return f
        return None

    # -- protocol ---------------------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        for item in self.decoder.feed(data):
            if isinstance(item, sam.FrameError):
                self.send(sam.reply(0x10 if item.kind == "checksum" else 0x11))
                continue
            self._answer(item.cmd)

    def _answer(self, cmd) -> None:
        name = _NAMES.get(cmd, "other")
        self.commands.append(name)
        delay = self.delays.get(name, 0.0)
        if delay:
            time.sleep(delay)
        with self._lock:
            card, consumed = self.card, self._consumed
        sw, data = sam.SW_SUCCESS, b""
        if cmd == sam.FIND_CARD:
            if card is None or (consumed and not self.refind):
                sw = sam.SW_NO_CARD
            else:
                sw, data = sam.SW_FIND_OK, FIND_OK_DATA
        elif cmd == sam.SELECT_CARD:
            sw = sam.SW_SELECT_FAILED if card is None else sam.SW_SUCCESS
            data = SELECT_OK_DATA if card is not None else b""
            self._selected = card is not None
        elif cmd in (sam.READ_TEXT_PHOTO, sam.READ_TEXT_PHOTO_FP):
            if card is None:
                sw = sam.SW_READ_FAILED
            else:
                fp = self.fingerprint if cmd == sam.READ_TEXT_PHOTO_FP else None
                data = build_read_reply(card, fp)
        elif cmd == sam.READ_NEW_ADDRESS:
            sw = 0x91
        elif cmd == sam.SAM_ID:
            data = bytes(16)
        elif cmd not in (sam.RESET_SAM, sam.SAM_STATUS):
            sw = 0x21
        fault = self._take_fault(name)
        if fault and fault.startswith("status:"):
            sw, data = int(fault[7:], 16), b""
            fault = None
        if fault == "silence":
            return
        frame = bytearray(sam.reply(sw, data))
        if sw == sam.SW_SUCCESS and name == "read" and fault in (None, "garbage", "split", "doubled"):
            with self._lock:
                self._consumed = True
                self.reads += 1
        if fault == "garbage":
            frame[:0] = bytes(random.Random(len(frame)).randrange(256) for _ in range(17)) + b"\xAA\xAA"
        elif fault == "checksum":
            frame[-1] ^= 0x5A
        elif fault == "length":
            frame[5:7] = b"\xFF\xFF"
        elif fault == "badlen":
            frame[5:7] = (int.from_bytes(frame[5:7], "big") + 16).to_bytes(2, "big")
            frame[-1] = sam.checksum(bytes(frame[5:-1]))
        elif fault == "drop":
            del frame[len(frame) // 2]
        elif fault == "doubled":
            bad = bytearray(frame)
            bad[-1] ^= 0x5A
            frame[:0] = bad
        if fault == "split":
            # Cut inside the preamble and the length field, then in uneven pieces.
            for a, b in ((0, 3), (3, 6), (6, 50), (50, None)):
                self.send(bytes(frame[a:b]), chunk=200, gap=0.005)
                time.sleep(0.01)
        elif fault == "vanish":
            self.send(bytes(frame[: len(frame) // 2]))
            time.sleep(0.05)
            self.vanish()
            return
        else:
            self.send(bytes(frame))
        if name == "read" and sw == sam.SW_SUCCESS:
            self.read_done.set()
