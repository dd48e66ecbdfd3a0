"""Read a data frame of text columns from an R .rds file (R serialization version 3, XDR).

Enough of the format for the MeSH tables that scripts/derive_vocabularies.py reads:
lists, character, integer, logical and double vectors, attributes, symbols,
references and external pointers (data.table's); no closures or environments. `read_rds_table(path)` returns
{column name: list of values} (None for NA).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

NILVALUE, SYM, LIST, CHAR, LGL, INT, REAL, STR, VEC, EXTPTR, REF = 254, 1, 2, 9, 10, 13, 14, 16, 19, 22, 255
NA_INT = -2147483648


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.refs = data, 0, []

    def int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def item(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & 0x200, flags & 0x400
        if kind == NILVALUE:
            return None
        if kind == REF:
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind == SYM:
            name = self.item()
            self.refs.append(name)
            return name
        if kind == CHAR:
            n = self.int()
            return None if n == -1 else self.bytes(n).decode("utf-8")
        if kind == LIST:   # pairlist: {tag: value}, attributes of the cell dropped
            out = {}
            while kind == LIST:
                if has_attr:
                    self.item()
                tag = self.item() if has_tag else None
                out[tag] = self.item()
                flags = self.int()
                kind, has_attr, has_tag = flags & 0xFF, flags & 0x200, flags & 0x400
            if kind != NILVALUE:
                raise ValueError(f"unexpected pairlist end {kind} at byte {self.pos}")
            return out
        if kind == EXTPTR:   # data.table's self-reference: a pointer, read and dropped
            self.refs.append(None)
            self.item(), self.item()
            if has_attr:
                self.item()
            return None
        if kind in (STR, VEC):
            n = self.int()
            value = [self.item() for _ in range(n)]
        elif kind in (INT, LGL):
            n = self.int()
            value = [None if v == NA_INT else v for v in struct.unpack_from(f">{n}i", self.data, self.pos)]
            self.pos += 4 * n
        elif kind == REAL:
            n = self.int()
            value = list(struct.unpack_from(f">{n}d", self.data, self.pos))
            self.pos += 8 * n
        else:
            raise ValueError(f"R type {kind} not supported (byte {self.pos})")
        if has_attr:
            attributes = self.item()
            if isinstance(attributes, dict) and "names" in attributes and kind == VEC:
                return dict(zip(attributes["names"], value))
        return value


def read_rds_table(path: str | Path) -> dict[str, list]:
    """The columns of the data frame saved in an .rds file, by name."""
    data = gzip.decompress(Path(path).read_bytes())
    if data[:2] != b"X\n":
        raise ValueError(f"{path}: not an XDR R serialization")
    reader = _Reader(data)
    reader.pos = 2
    version = reader.int()
    reader.int(), reader.int()
    if version == 3:
        reader.bytes(reader.int())   # native encoding
    table = reader.item()
    if not isinstance(table, dict):
        raise ValueError(f"{path}: not a data frame")
    return table
