"""Source readers: open a file (or a list of API records), check it can be read at all, and
yield it in chunks of string cells, so memory stays flat whatever the file size.

CSV is read by pandas' C parser. A row with the wrong number of fields is not an error of the
file: it lands in spare columns and is rejected as ``malformed_row`` with everything it held.
JSON arrays and GeoJSON FeatureCollections are streamed with ijson. A file that cannot be read
at all raises ``UnreadableFile`` with one message for people.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import ijson
import numpy as np
import orjson
import pandas as pd
from django.utils.translation import gettext as _

from incidents.profiles import Profile
from incidents.validation import RowError, stringify

# Rows per chunk. The reader works on one chunk while up to two more wait as ready COPY text
# and the loader streams another: peak RSS ~255 MB, the same at 1M and 3M rows.
CHUNK_ROWS = 15_000
# A CSV row may carry this many extra fields (unquoted commas in a description, say) and
# still be rejected on its own; beyond that the file is unreadable. Each spare column costs
# parsing time on every row (16: ~0.8 s per million rows).
SPARE_COLUMNS = 16
_SPARE = "__extra_"
GEOMETRY_KEY = "__geometry"


class UnreadableFile(Exception):
    """The file as a whole cannot be read: wrong format, missing columns, undecodable."""


@dataclass
class RawRecords:
    """Each row's record exactly as received, as UTF-8 JSON text, held as ``parts``: the
    pieces of one record in order, each either bytes shared by every record (a key) or a
    list with the bytes of each record (a cell). The text of a whole record is built only
    once, straight into the COPY payload (``load.raw_payload``). ``replaced``: whole records
    by position that the parts do not give (a malformed row's extra fields)."""

    parts: list[bytes | list[bytes]]
    size: int
    replaced: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of_texts(cls, texts: list[str]) -> RawRecords:
        return cls([[text.encode() for text in texts]], len(texts))

    def __len__(self) -> int:
        return self.size

    def record(self, pos: int) -> str:
        if pos in self.replaced:
            return self.replaced[pos]
        return b"".join(p if isinstance(p, bytes) else p[pos] for p in self.parts).decode()


@dataclass
class Chunk:
    """``frame``: string cells by source column, positional index; ``first_row``: the row
    number (1-based, header excluded) of the frame's first row; ``raw``: each row's record
    exactly as received; ``errors``: reader errors by position."""

    frame: pd.DataFrame
    first_row: int
    raw: RawRecords
    errors: dict[int, list[RowError]] = field(default_factory=dict)


@dataclass
class SourceFile:
    path: Path
    format: str  # csv | json | geojson
    encoding: str
    gzipped: bool
    sha256: str
    size: int

    def open_binary(self):
        return gzip.open(self.path, "rb") if self.gzipped else open(self.path, "rb")


def inspect_file(path: Path, profile: Profile) -> SourceFile:
    """Hash the file, detect gzip, format and encoding in one pass over its bytes."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot open the file: %(error)s") % {"error": exc.strerror or _("read error")}
        ) from exc
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
    source = SourceFile(path, "", "", gzipped, digest.hexdigest(), path.stat().st_size)
    head, utf8_ok = _scan_bytes(source)
    if not head.strip():
        raise UnreadableFile(_("The file is empty."))
    source.encoding = _encoding(head, utf8_ok, profile)
    source.format = _format(path, head)
    return source


def _scan_bytes(source: SourceFile) -> tuple[bytes, bool]:
    """The first 64 KiB, and whether the whole file is valid UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    head, ok = b"", True
    try:
        with source.open_binary() as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                if not head:
                    head = block[:65536]
                if ok:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        ok = False
            if ok:
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        ok = False
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise UnreadableFile(_("The file is not a readable gzip file.")) from exc
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot read the file: %(error)s") % {"error": exc.strerror or _("read error")}
        ) from exc
    return head, ok


def _encoding(head: bytes, utf8_ok: bool, profile: Profile) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if profile.encoding == "windows-1256":
        return "cp1256"
    if utf8_ok:
        return "utf-8"
    if profile.encoding == "auto":
        # Not UTF-8: the Arabic Windows code page is the other encoding sources use here.
        if b"\x00" in head:
            raise UnreadableFile(_("The file is binary, not text."))
        return "cp1256"
    raise UnreadableFile(
        _("The file is not valid %(encoding)s text.") % {"encoding": profile.encoding}
    )


def _format(path: Path, head: bytes) -> str:
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


def read_chunks(
    source: SourceFile, profile: Profile, chunk_rows: int | None = None
) -> Iterator[Chunk]:
    """Yield the file in chunks; raises ``UnreadableFile`` if it turns out unreadable."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    if source.format == "csv":
        yield from _csv_chunks(source, profile, chunk_rows)
    else:
        yield from _json_chunks(source, profile, chunk_rows)


def required_columns(profile: Profile) -> list[str]:
    fields = ["category", "occurred_at"] + (["external_id"] if profile.id_required else [])
    fields += ["wkt"] if "wkt" in profile.columns else ["lon", "lat"]
    return [profile.columns[f] for f in fields]


def _csv_chunks(source: SourceFile, profile: Profile, chunk_rows: int) -> Iterator[Chunk]:
    with source.open_binary() as binary:
        # pandas parses the bytes itself (UTF-8 natively): fed a text stream instead, its
        # memory grows with the file. The header line is split off first; a file whose lines
        # end in a bare CR cannot be split that way and is read as text.
        header_bytes = binary.readline(1 << 20)
        header_line = header_bytes.decode(source.encoding, errors="replace")
        body_encoding = "utf-8" if source.encoding == "utf-8-sig" else source.encoding
        stream = binary
        if "\r" in header_line.rstrip("\r\n"):
            binary.seek(0)
            stream = io.TextIOWrapper(binary, encoding=source.encoding, newline="")
            header_line = stream.readline()
        header = next(iter(pd.read_csv(io.StringIO(header_line), sep=profile.delimiter, header=None, dtype=str, keep_default_na=False).itertuples(index=False, name=None)), ())  # fmt: skip
        header = [str(h).strip() for h in header]
        _check_header(header, profile)
        names = header + [f"{_SPARE}{i}" for i in range(SPARE_COLUMNS)]
        try:
            reader = pd.read_csv(
                stream,
                encoding=body_encoding,
                sep=profile.delimiter,
                header=None,
                names=names,
                dtype=object,
                keep_default_na=False,
                na_values=[],
                na_filter=False,  # every cell stays a string, empty ones ""
                chunksize=chunk_rows,
                engine="c",
                skip_blank_lines=True,
            )
            first = 1
            for frame in reader:
                chunk = _csv_chunk(frame, header, first)
                first += len(frame)
                del frame  # not kept alive while the next chunk is parsed
                yield chunk
                del chunk
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise UnreadableFile(_csv_problem(exc)) from exc


def _check_header(header: list[str], profile: Profile) -> None:
    if not header or all(h == "" for h in header):
        raise UnreadableFile(_("The CSV file has no header row."))
    missing = [c for c in required_columns(profile) if c not in header]
    if missing:
        # The profile's column names only: the header is the file's content, which is never
        # echoed (the file may not be what it claims to be).
        raise UnreadableFile(
            _(
                "Not a readable CSV for profile %(profile)s: invalid header; required columns "
                "missing: %(columns)s (%(found)d columns found)."
            )
            % {"profile": profile.name, "columns": ", ".join(missing), "found": len(header)}
        )


def _csv_problem(exc: Exception) -> str:
    """What went wrong, in our own words: parser messages can quote the file's bytes."""
    if isinstance(exc, UnicodeDecodeError):
        return _("Not a readable CSV: the text is not valid in its encoding.")
    line = re.search(r"\b(?:line|row) (\d+)", str(exc))
    if line:
        return _("Not a readable CSV: its structure is broken near line %(line)s.") % {
            "line": line.group(1)
        }
    return _("Not a readable CSV: its structure is broken.")


def _csv_chunk(frame: pd.DataFrame, header: list[str], first_row: int) -> Chunk:
    """Rows with a field in a spare column had too many fields. A row with too few reads as
    empty trailing cells (pandas cannot tell those apart), which validation then judges."""
    frame = frame.reset_index(drop=True)
    spare = [c for c in frame.columns if c.startswith(_SPARE)]
    too_many = np.zeros(len(frame), dtype=bool)
    for column in spare:  # column by column: an all-empty object column compares fast
        too_many |= frame[column].to_numpy() != ""
    body = frame[header]
    raw = json_records(body)
    errors: dict[int, list[RowError]] = {}
    for pos in np.flatnonzero(too_many).tolist():
        fields = [v for v in frame.loc[pos, spare].tolist() if v != ""]
        message = _("The row has %(count)s fields; the header has %(header)d.") % {
            "count": len(header) + len(fields),
            "header": len(header),
        }
        errors[pos] = [RowError("(row)", "malformed_row", message)]
        record = json.loads(raw.record(pos))
        record["_extra_fields"] = fields
        raw.replaced[pos] = json.dumps(record, ensure_ascii=False)
    return Chunk(frame=body, first_row=first_row, raw=raw, errors=errors)


def json_records(body: pd.DataFrame) -> RawRecords:
    """Each row as a JSON object (column → cell string), built column by column: one C-level
    dump per column, split back into its cells. In a JSON array of strings, quote, comma,
    quote occurs only between two elements (a quote inside a string is escaped)."""
    parts: list[bytes | list[bytes]] = []
    for i, column in enumerate(body.columns):
        key = orjson.dumps(str(column))
        parts += [(b'",' if i else b"{") + key + b':"', _json_strings(body[column].tolist())]
    parts.append(b'"}')
    return RawRecords(parts, len(body))


def _json_strings(cells: list[str]) -> list[bytes]:
    """Each string's JSON text without its quotes."""
    return orjson.dumps(cells)[2:-2].split(b'","') if cells else []


def _json_chunks(source: SourceFile, profile: Profile, chunk_rows: int) -> Iterator[Chunk]:
    prefix = "features.item" if source.format == "geojson" else "item"
    with source.open_binary() as binary:
        text = io.TextIOWrapper(binary, encoding=source.encoding)
        try:
            items = ijson.items(_Utf8Stream(text), prefix, use_float=True)
            first = 1
            while batch := list(islice(items, chunk_rows)):
                yield records_chunk(batch, profile, first, geojson=source.format == "geojson")
                first += len(batch)
            if first == 1 and source.format == "geojson":
                raise UnreadableFile(
                    _("The file is not a GeoJSON FeatureCollection with features.")
                )
        except ijson.JSONError as exc:
            # ijson's messages quote the text around the error: never echoed.
            raise UnreadableFile(_("The file is not valid JSON.")) from exc


class _Utf8Stream:
    """Re-encode a decoded text stream as UTF-8 bytes for ijson (sources may be cp1256)."""

    def __init__(self, text) -> None:
        self.text = text
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            piece = self.text.read(65536)
            if not piece:
                break
            self.buffer += piece.encode("utf-8")
        out, self.buffer = (
            (self.buffer, b"") if size < 0 else (self.buffer[:size], self.buffer[size:])
        )
        return out


def records_chunk(
    records: list, profile: Profile, first_row: int, *, geojson: bool = False
) -> Chunk:
    """A chunk from JSON records (API batches, JSON arrays) or GeoJSON features."""
    rows, raw, errors = [], [], {}
    for pos, item in enumerate(records):
        raw.append(json.dumps(item, ensure_ascii=False, default=str))
        cells, problem = _flatten(item, profile, geojson)
        rows.append(cells)
        if problem:
            errors[pos] = [problem]
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    return Chunk(
        frame=frame.fillna(""), first_row=first_row, raw=RawRecords.of_texts(raw), errors=errors
    )


def _flatten(item, profile: Profile, geojson: bool) -> tuple[dict, RowError | None]:
    if geojson:
        if not isinstance(item, dict) or item.get("type") != "Feature":
            return {}, RowError(
                "(record)", "invalid_record", _("The item is not a GeoJSON Feature.")
            )
        props = item.get("properties") or {}
        cells = {str(k): stringify(v) for k, v in props.items()} if isinstance(props, dict) else {}
        geometry = item.get("geometry") or {}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if geometry and (
            geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2
        ):
            return cells, RowError(
                "geometry", "invalid_geometry", _("The geometry must be a Point.")
            )
        if coords:
            if "wkt" in profile.columns:
                cells[profile.columns["wkt"]] = (
                    f"POINT ({stringify(coords[0])} {stringify(coords[1])})"
                )
            else:
                cells[profile.columns["lon"]] = stringify(coords[0])
                cells[profile.columns["lat"]] = stringify(coords[1])
        return cells, None
    if not isinstance(item, dict):
        return {}, RowError("(record)", "invalid_record", _("The record is not a JSON object."))
    return {str(k): stringify(v) for k, v in item.items()}, None
