"""Decoding the card photo (WLT, a licensed format) through the vendor's library, if installed.

We never decode WLT ourselves: the format is licensed. Readers ship a library (libwlt2bmp.so,
WltRS.dll) exporting `int unpack(char *wlt, char *bgr, int save_bmp)` that writes 102×126
pixels of 24-bit BGR, bottom-up (a BMP body). Its path is the setting `devices.wlt_decoder`.
Without it, `decode_photo` returns None and the UI shows "无照片".
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 102, 126
NO_PHOTO = "无照片"
_libs: dict[str, object] = {}
# Vendor libraries are rarely thread-safe (and some write a temporary BMP): one call at a time.
_lock = threading.Lock()


class PhotoDecoderError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def load_decoder(path: str):
    if path not in _libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            log.warning("cannot load WLT decoder %s: %s", path, e)
            why = "文件不存在" if not os.path.exists(path) else "不是有效的动态库，或缺少它依赖的库"
            raise PhotoDecoderError(f"无法加载照片解码库 {path}（{why}）") from e
        try:
            fn = lib.unpack
        except AttributeError as e:
            raise PhotoDecoderError(f"照片解码库 {path} 中没有 unpack 函数，请确认是阅读器厂商提供的 WLT 解码库") from e
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        fn.restype = ctypes.c_int
        _libs[path] = fn
    return _libs[path]


def decode_photo(wlt: bytes, decoder_path: str = "") -> bytes | None:
    """PNG bytes of the photo, or None when no decoder is configured or the photo is empty.
    Raises PhotoDecoderError when the configured library fails."""
    if not decoder_path or not wlt:
        return None
    with _lock:
        fn = load_decoder(decoder_path)
        out = ctypes.create_string_buffer(WIDTH * HEIGHT * 3 + 1024)
        rc = fn(bytes(wlt), out, 0)
    if rc != 1:
        raise PhotoDecoderError(f"照片解码失败（返回 {rc}）")
    import io

    from PIL import Image

    stride = (WIDTH * 3 + 3) & ~3  # BMP rows are padded to 4 bytes
    img = Image.frombuffer("RGB", (WIDTH, HEIGHT), out.raw[: stride * HEIGHT], "raw", "BGR", stride, -1)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
