"""File I/O shared by every layer: transparent gzip, text decoding with clear errors, tables, atomic writes."""
from __future__ import annotations

import gzip
import io
import os
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from seqebm.errors import ParseError
from seqebm.memory import check_memory, text_file_memory

GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: str | Path) -> bytes:
    """Whole file content, gunzipped when it starts with the gzip magic. Errors name the file."""
    path = Path(path)
    try:
        if path.is_file():
            check_memory(text_file_memory(path), "reading this file", "cpu", path=path,
                         hint="split the file or subsample it (e.g. with seqkit sample)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParseError("no such file", path=path) from None
    except IsADirectoryError:
        raise ParseError("is a directory, not a file", path=path) from None
    except PermissionError:
        raise ParseError("permission denied", path=path) from None
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ParseError(f"corrupt or truncated gzip data ({exc})", path=path) from None
    if not raw.strip():
        raise ParseError("file is empty", path=path)
    return raw


def decode_text(raw: bytes, path: str | Path) -> str:
    """Decode bytes as text: UTF-8 (BOM allowed) or UTF-16 with BOM; CRLF/CR become LF.

    NUL bytes or invalid UTF-8 mean the file is not text; the error names line and column.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(f"invalid UTF-16 text ({exc.reason})", path=path) from None
    else:
        if raw[:3] == b"\xef\xbb\xbf":
            raw = raw[3:]
        nul = raw.find(b"\x00")
        if nul >= 0 and _looks_like_utf16(raw):
            raise ParseError("text looks like UTF-16 without a byte-order mark; save it as UTF-8", path=path)
        if nul >= 0:
            line, col = _position(raw, nul)
            raise ParseError("binary data (NUL byte): not a text file", path=path, line=line, column=col)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _position(raw, exc.start)
            raise ParseError(f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})", path=path, line=line, column=col) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("file is empty (no text after the byte-order mark)", path=path)
    return text


def _looks_like_utf16(raw: bytes) -> bool:
    """Every other byte NUL and the rest printable ASCII: UTF-16 (LE or BE) text of ASCII characters."""
    head = raw[:4096]
    if len(head) < 4:
        return False
    for zeros, chars in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        if zeros.count(0) >= 0.95 * len(zeros) and all(c in b"\t\n\r" or 32 <= c < 127 for c in chars):
            return True
    return False


def read_text(path: str | Path) -> str:
    """Decoded text of a (possibly gzipped) file."""
    return decode_text(read_bytes(path), path)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs) -> Iterator:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A crash or kill never leaves a truncated ``path``: either the old file or the complete new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV/TSV (gzip allowed) with a header row, every cell as a string; separator from the name/content."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    sep = "\t" if "\t" in first else ","
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[])
    except pd.errors.ParserError as exc:
        raise ParseError(f"malformed table ({' '.join(str(exc).split())})", path=path) from None
    except pd.errors.EmptyDataError:
        raise ParseError("file is empty", path=path) from None
    if len(table) == 0:
        raise ParseError("table has a header but no rows", path=path, line=2)
    table.columns = [str(c).strip() for c in table.columns]
    return table
