"""Reads a 1-bit greyscale PNG back to pixels with zlib and the PNG layout alone, so the QR tests
check our writer against the format (and segno's PNG), not against itself."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    kinds: tuple[bytes, ...]  # the chunks, in order
    pixels: tuple[str, ...]  # a row of "1" (dark) and "0" (light) each


def read_png(data: bytes) -> Png:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    assert at == len(data)
    kinds = tuple(kind for kind, _ in chunks)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, colour, method, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour, method, filtering, interlace) == (1, 0, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = (width + 7) // 8
    assert len(raw) == height * (stride + 1)
    pixels, above = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert line[0] in (0, 2)  # filter "none", or "up" (segno's, for a repeated line)
        if line[0] == 0:
            above = line[1:]
        else:
            above = bytes(a + b & 0xFF for a, b in zip(line[1:], above, strict=True))
        bits = "".join(f"{byte:08b}" for byte in above)[:width]
        pixels.append(bits.translate(str.maketrans("01", "10")))  # grey 0 is black: dark
    return Png(width, height, kinds, tuple(pixels))


def drawn(matrix: Sequence[Sequence[int]], *, scale: int, border: int) -> tuple[str, ...]:
    """What a matrix should look like: each module scale x scale, a light border around."""
    size = len(matrix) + 2 * border
    blank = ["0" * size] * border
    lines = blank + ["0" * border + "".join(map(str, row)) + "0" * border for row in matrix] + blank
    return tuple("".join(c * scale for c in line) for line in lines for _ in range(scale))
