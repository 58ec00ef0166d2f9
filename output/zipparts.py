"""A zip file put together from pieces compressed beforehand: records.xlsx is a zip, and on a re-run its sheets
are the documents' stored rows, already deflated, laid end to end (output/excel.py), not compressed again.

Raw deflate data that ends with a sync flush (an empty stored block, byte-aligned, not final) can be followed
by more deflate data, as pigz joins its blocks: pieces compressed apart, each from an empty window, joined, then
closed by one final block, are one valid stream. A zip entry also needs the CRC-32 of the whole: the CRC of
A+B is that of A shifted by len(B) bytes, xor that of B (zlib's crc32_combine, written out below as zlib >= 1.2.12
does it; Python's zlib does not expose it). Each piece carries its shift, made once when it is compressed, so
joining costs one 32-step product a piece."""
from __future__ import annotations

import shutil
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Union

LEVEL = 6          # zipfile's default, which XlsxWriter uses
_POLY = 0xEDB88320  # CRC-32, reflected


def _multmodp(a: int, b: int) -> int:
    """a times b modulo the CRC-32 polynomial (both reflected), as zlib's multmodp."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_X2N = [1 << 30]   # x^(2^n) modulo the polynomial, n = 0..31
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))


def crc_shift(length: int) -> int:
    """The factor that moves a CRC past `length` bytes: x^(8·length) modulo the polynomial."""
    p, k = 1 << 31, 3
    while length:
        if length & 1:
            p = _multmodp(_X2N[k & 31], p)
        length >>= 1
        k += 1
    return p


def crc_join(crc_a: int, crc_b: int, shift_b: int) -> int:
    """CRC-32 of A+B from that of A, that of B and B's crc_shift."""
    return _multmodp(shift_b, crc_a) ^ crc_b


@dataclass
class Piece:
    """Deflate data ending with a sync flush (data), and what the whole needs of it: the CRC-32, length and
    crc_shift of the bytes it holds."""

    data: bytes
    crc: int
    size: int
    shift: int


def deflate(raw: bytes, final: bool = False) -> bytes:
    """raw as raw deflate data: ending with a sync flush, ready to be followed by more, or with the final block."""
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return z.compress(raw) + z.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def piece(raw: bytes) -> Piece:
    return Piece(deflate(raw), zlib.crc32(raw), len(raw), crc_shift(len(raw)))


def inflate(data: bytes) -> bytes:
    """The bytes a piece (or pieces joined) holds."""
    z = zlib.decompressobj(-15)
    return z.decompress(data) + z.flush()


class Stream:
    """Pieces joined into one deflate stream in a file, with the CRC-32 and length of what they hold."""

    def __init__(self, fh: BinaryIO):
        self.fh, self.crc, self.size, self.packed = fh, 0, 0, 0

    def add(self, data: bytes, crc: int, size: int, shift: int) -> None:
        self.fh.write(data)
        self.crc = crc_join(self.crc, crc, shift)
        self.size += size
        self.packed += len(data)


_MARK = 0xFFFFFFFF   # a size or offset field that says: see the Zip64 record
ZIP64_FROM = 0xFFFFFFFF   # sizes and offsets from here on go in Zip64 records (a test lowers it)
_DOS_1980 = (0, (1 << 5) | 1)   # 1980-01-01 00:00, the date XlsxWriter gives every entry


class ZipWriter:
    """A zip file written entry by entry, each entry deflated: whole bytes, or a head, a body of pieces already
    joined in a file (Stream) and a tail. Zip64 records where a size or an offset needs them."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.entries: list[tuple[bytes, int, int, int, int]] = []   # name, crc, size, packed size, offset
        self.offset = 0

    def add(self, name: str, raw: bytes) -> None:
        data = deflate(raw, final=True)
        self._entry(name, zlib.crc32(raw), len(raw), [data])

    def add_joined(self, name: str, head: bytes, body: Stream, body_file: BinaryIO, tail: bytes) -> None:
        """An entry of head + what body holds + tail; body_file: body's file, read from its start."""
        crc = crc_join(zlib.crc32(head), body.crc, crc_shift(body.size))
        crc = crc_join(crc, zlib.crc32(tail), crc_shift(len(tail)))
        self._entry(name, crc, len(head) + body.size + len(tail), [deflate(head), (body_file, body.packed),
                                                                    deflate(tail, final=True)])

    def _entry(self, name: str, crc: int, size: int, parts: list[Union[bytes, tuple[BinaryIO, int]]]) -> None:
        encoded = name.encode("ascii")
        packed = sum(len(p) if isinstance(p, bytes) else p[1] for p in parts)
        big = size >= ZIP64_FROM or packed >= ZIP64_FROM
        extra = struct.pack("<HHQQ", 1, 16, size, packed) if big else b""
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, 0, 8, _DOS_1980[0], _DOS_1980[1],
                             crc, _MARK if big else packed, _MARK if big else size, len(encoded), len(extra))
        self.fh.write(header + encoded + extra)
        for part in parts:
            if isinstance(part, bytes):
                self.fh.write(part)
            else:
                part[0].seek(0)
                shutil.copyfileobj(part[0], self.fh, 1 << 20)
        self.entries.append((encoded, crc, size, packed, self.offset))
        self.offset += len(header) + len(encoded) + len(extra) + packed

    def close(self) -> None:
        """The central directory (and the Zip64 end records when needed)."""
        start = self.offset
        directory = b"".join(self._central(*entry) for entry in self.entries)
        self.fh.write(directory)
        end = start + len(directory)
        count = len(self.entries)
        wide = start >= ZIP64_FROM or len(directory) >= ZIP64_FROM or count >= 0xFFFF
        if wide:
            self.fh.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(directory),
                                      start))
            self.fh.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        count = 0xFFFF if wide else count
        self.fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, _MARK if wide else len(directory),
                                  _MARK if wide else start, 0))

    @staticmethod
    def _central(name: bytes, crc: int, size: int, packed: int, offset: int) -> bytes:
        # the Zip64 extra holds the values marked 0xFFFFFFFF, in this order: size, packed size, offset (as zipfile
        # writes them: both sizes when either does not fit)
        wide = []
        if size >= ZIP64_FROM or packed >= ZIP64_FROM:
            wide, size, packed = [size, packed], _MARK, _MARK
        if offset >= ZIP64_FROM:
            wide, offset = wide + [offset], _MARK
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        version = 45 if wide else 20
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0, 8, _DOS_1980[0], _DOS_1980[1],
                           crc, packed, size, len(name), len(extra), 0, 0, 0, 0, offset) + name + extra


def join_pieces(pieces: Iterable[Piece]) -> bytes:
    """The bytes pieces hold, joined and inflated (for tests and for splitting a piece across files)."""
    return inflate(b"".join(p.data for p in pieces) + deflate(b"", final=True))
