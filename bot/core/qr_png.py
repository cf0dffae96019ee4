"""A QR matrix as a 1-bit greyscale PNG, written a row at a time.

segno's own writer is not used: it builds every pixel with Python generators and compresses at
zlib level 9, ~1.9 ms for a link's code (version 3, scale 8), a third of the QR's cost. Here a
module row becomes its bits as text, widened by str.translate and read back as one int; each
scanline is repeated `scale` times, ~0.2 ms in all.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

# zlib's default. On lines repeated `scale` times level 9 is no smaller (version 3: 369 bytes to
# level 6's 355) and takes four times as long; level 1 saves 0.07 ms for a file half as large again.
COMPRESSION = 6
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def matrix_png(rows: Sequence[int], size: int, *, scale: int, border: int) -> bytes:
    """`rows` (one int a row, leftmost module the top bit, dark = 1) with a light `border`."""
    width = (size + 2 * border) * scale
    stride = (width + 7) // 8
    pad = "1" * (stride * 8 - width)  # the last byte's unused bits
    spread = str.maketrans({"0": "1" * scale, "1": "0" * scale})  # PNG grey: 0 black, 1 white
    margin = "1" * (border * scale)
    quiet = (b"\0" + b"\xff" * stride) * (border * scale)  # filter byte "none", then white
    lines = [quiet]
    for row in rows:
        bits = margin + f"{row:0{size}b}".translate(spread) + margin + pad
        lines.append((b"\0" + int(bits, 2).to_bytes(stride, "big")) * scale)
    lines.append(quiet)
    # IHDR: width, height, bit depth 1, greyscale, deflate, adaptive filtering, no interlace
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(lines), COMPRESSION)),
            _chunk(b"IEND", b""),
        )
    )


def matrix_rows(matrix: Sequence[bytes | bytearray]) -> tuple[int, ...]:
    """segno's matrix (a bytearray of 0 and 1 a row) as `matrix_png` takes it."""
    digits = bytes.maketrans(b"\x00\x01", b"01")
    return tuple(int(bytes(row).translate(digits), 2) for row in matrix)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
