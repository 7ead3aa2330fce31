"""The first pass over a source file's bytes, before anything is written: its format, whether
it is valid UTF-8, and the size limits.

A file fails here, whole and with one clear message, when it decompresses to more than
``INGEST_MAX_DECOMPRESSED_BYTES`` (a gzip bomb stops being read at the cap) or when one CSV
record, or one JSON value (a string, a number), is longer than ``INGEST_MAX_RECORD_BYTES``:
a CSV record is measured between line ends outside quotes, a JSON string between unescaped
quotes, so a 400 MB field is found after ~1 MB and never reaches the parser. The checks are
vectorised over 1 MiB blocks (numpy), so the pass costs little more than reading.

When a file is not valid UTF-8 throughout, ``utf8_evidence`` counts, in a second pass, the
bytes that are invalid as UTF-8 against the characters that are valid multi-byte UTF-8: a
file that is UTF-8 but for a few bytes is UTF-8 (the readers reject the rows holding them),
one where most non-ASCII text is invalid as UTF-8 is not.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from incidents.validation import RowError

if TYPE_CHECKING:  # the readers import this module; SourceFile is only a type here
    from incidents.pipeline.readers import SourceFile

BLOCK = 1 << 20
HEAD = 65536
_LF, _CR, _QUOTE = 10, 13, 34


class FileTooLarge(Exception):
    """Raised as ``UnreadableFile`` by the readers; kept apart so this module needs none."""


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int  # after decompression
    max_record_bytes: int  # one CSV record

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            max_bytes=settings.INGEST_MAX_DECOMPRESSED_BYTES,
            max_record_bytes=settings.INGEST_MAX_RECORD_BYTES,
        )


@dataclass
class Scan:
    head: bytes  # the first 64 KiB
    format: str  # csv | json | geojson
    utf8_ok: bool


def detect_format(path: Path, head: bytes) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".geojson",):
        return "geojson"
    if ext == ".json":
        return "geojson" if b'"FeatureCollection"' in head else "json"
    if ext in (".csv", ".txt", ".tsv"):
        return "csv"
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    if start == b"[":
        return "json"
    if start == b"{":
        return "geojson"
    return "csv"


def scan_bytes(source: SourceFile, *, limits: ReadLimits) -> Scan:
    """Read the file once; raises ``FileTooLarge`` past a limit, ``OSError`` subclasses and
    ``zlib.error`` when it cannot be read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    scan: Scan | None = None
    records: _RecordLengths | _JsonTokens | None = None
    total = 0
    with source.open_binary() as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            if scan is None:
                scan = Scan(block[:HEAD], detect_format(source.path, block[:HEAD]), True)
                measure = _RecordLengths if scan.format == "csv" else _JsonTokens
                records = measure(limits.max_record_bytes)
            total += len(block)
            if total > limits.max_bytes:
                raise FileTooLarge(
                    _("The file holds more than %(limit)d bytes (after decompression).")
                    % {"limit": limits.max_bytes}
                )
            if records is not None:
                records.feed(block)
            if scan.utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    scan.utf8_ok = False
        if scan is None:
            return Scan(b"", "csv", True)
        if scan.utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                scan.utf8_ok = False
    return scan


class _RecordLengths:
    """The longest CSV record so far, block by block: a record ends at a line end (LF or CR)
    with an even number of quote characters before it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.offset = 0  # bytes seen before this block
        self.last_end = -1  # offset of the last record end
        self.quotes = 0  # quote characters seen before this block
        self.records = 0  # record ends seen before this block

    def feed(self, block: bytes) -> None:
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero((data == _LF) | (data == _CR))
        if b'"' in block:
            quotes = np.flatnonzero(data == _QUOTE)
            ends = ends[(np.searchsorted(quotes, ends) + self.quotes) % 2 == 0]
            self.quotes += len(quotes)
        elif self.quotes % 2:
            ends = ends[:0]  # the whole block is inside a quoted field
        lengths = np.diff(ends + self.offset, prepend=self.last_end)
        if len(lengths) and lengths.max() > self.limit:
            self._fail(self.records + int(np.argmax(lengths > self.limit)) + 1)
        self.records += len(ends)
        if len(ends):
            self.last_end = int(ends[-1]) + self.offset
        self.offset += len(block)
        if self.offset - 1 - self.last_end > self.limit:
            self._fail(self.records + 1)

    def _fail(self, record: int) -> None:
        raise FileTooLarge(
            _(
                "Record %(record)d (counting the header) is longer than %(limit)d bytes: a "
                "field is far too long or a quote is not closed."
            )
            % {"record": record, "limit": self.limit}
        )


# JSON bytes that end a number or literal token outside strings.
_JSON_BOUNDARY = np.zeros(256, dtype=bool)
_JSON_BOUNDARY[list(b",:[]{} \t\r\n")] = True
_BACKSLASH = 92


class _JsonTokens:
    """The longest JSON token so far (a string from quote to quote, or a number or literal
    between structural characters), block by block: ijson holds a whole token in memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.offset = 0
        self.last = -1  # offset of the last token boundary
        self.in_string = False
        self.backslashes = 0  # the run of backslashes that ended the previous block

    def feed(self, block: bytes) -> None:
        data = np.frombuffer(block, dtype=np.uint8)
        quotes = self._unescaped_quotes(data)
        marks = np.flatnonzero(_JSON_BOUNDARY[data])
        if len(quotes) or self.in_string:
            marks = marks[(np.searchsorted(quotes, marks) + self.in_string) % 2 == 0]
        bounds = np.union1d(marks, quotes) + self.offset
        if len(bounds):
            if np.diff(bounds, prepend=self.last).max() > self.limit:
                self._fail()
            self.last = int(bounds[-1])
        self.in_string ^= bool(len(quotes) % 2)
        self.offset += len(block)
        if self.offset - 1 - self.last > self.limit:
            self._fail()

    def _unescaped_quotes(self, data: np.ndarray) -> np.ndarray:
        """Quote positions not escaped (an even run of backslashes before them)."""
        quotes = np.flatnonzero(data == _QUOTE)
        slashes = np.flatnonzero(data == _BACKSLASH)
        carry, self.backslashes = self.backslashes, 0
        if not len(slashes):
            return quotes[1:] if carry % 2 and len(quotes) and quotes[0] == 0 else quotes
        new_run = np.ones(len(slashes), dtype=bool)
        new_run[1:] = slashes[1:] != slashes[:-1] + 1
        starts = slashes[new_run][np.cumsum(new_run) - 1]  # each backslash's run start
        if slashes[-1] == len(data) - 1:  # a run that ends the block carries over
            self.backslashes = len(data) - int(starts[-1]) + (carry if starts[-1] == 0 else 0)
        last = np.maximum(np.searchsorted(slashes, quotes) - 1, 0)
        adjacent = slashes[last] == quotes - 1
        runs = np.where(adjacent, quotes - starts[last], 0)
        runs = runs + np.where((adjacent & (starts[last] == 0)) | (quotes == 0), carry, 0)
        return quotes[runs % 2 == 0]

    def _fail(self) -> None:
        raise FileTooLarge(
            _("A JSON value is longer than %(limit)d bytes, or a string is not closed.")
            % {"limit": self.limit}
        )


@dataclass(frozen=True)
class Utf8Evidence:
    invalid: int  # bytes not valid as UTF-8
    valid: int  # valid multi-byte UTF-8 characters

    @property
    def mostly_utf8(self) -> bool:
        return self.valid > self.invalid


_ESCAPED = re.compile("[\udc80-\udcff]")


def utf8_evidence(source: SourceFile) -> Utf8Evidence:
    """Count invalid bytes against valid multi-byte characters over the whole file (a second
    pass, run only for a file that is not valid UTF-8 throughout)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    invalid = non_ascii = 0
    with source.open_binary() as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            text = decoder.decode(block)
            invalid += len(_ESCAPED.findall(text))
            non_ascii += len(text) - len(text.encode("ascii", "ignore"))
        text = decoder.decode(b"", final=True)
        invalid += len(_ESCAPED.findall(text))
        non_ascii += len(text) - len(text.encode("ascii", "ignore"))
    return Utf8Evidence(invalid=invalid, valid=non_ascii - invalid)


READ_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def invalid_encoding_error() -> RowError:
    return RowError(
        "(row)",
        "invalid_encoding",
        _("The row holds bytes that are not valid UTF-8 (kept as \\xNN in the record)."),
    )


def escaped_rows(frame: pd.DataFrame) -> list[int]:
    """The rows (positions) of ``frame`` with a cell holding an invalid byte (read as a lone
    surrogate); those cells are rewritten in place with each such byte as the text ``\\xNN``,
    which every later step (and the raw copy) can hold. One C-level scan per column first:
    almost no column has one."""
    rows: set[int] = set()
    for column in frame.columns:
        cells = frame[column].tolist()
        if not _ESCAPED.search("".join(cells)):
            continue
        for pos, cell in enumerate(cells):
            if _ESCAPED.search(cell):
                rows.add(pos)
                cells[pos] = cell.encode("utf-8", "surrogateescape").decode(
                    "utf-8", "backslashreplace"
                )
        frame[column] = pd.Series(cells, index=frame.index, dtype=object)
    return sorted(rows)
