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
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import ijson
import numpy as np
import orjson
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from incidents.pipeline.scan import (
    READ_ERRORS,
    FileTooLarge,
    ReadLimits,
    Scan,
    escaped_rows,
    invalid_encoding_error,
    scan_bytes,
    utf8_evidence,
)
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
    # Bytes that are not valid UTF-8 in a file read as UTF-8 all the same (the evidence said
    # UTF-8): the rows holding them are rejected as ``invalid_encoding``.
    bad_bytes: int = 0

    def open_binary(self):
        return gzip.open(self.path, "rb") if self.gzipped else open(self.path, "rb")


def inspect_file(path: Path, profile: Profile) -> SourceFile:
    """Hash the file, detect gzip, format and encoding in one pass over its bytes, and hold
    it to the size limits before anything is written."""
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
    try:
        scan = scan_bytes(source, limits=ReadLimits.from_settings())
    except FileTooLarge as exc:
        raise UnreadableFile(str(exc)) from exc
    except READ_ERRORS as exc:
        raise UnreadableFile(_("The file is not a readable gzip file.")) from exc
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot read the file: %(error)s") % {"error": exc.strerror or _("read error")}
        ) from exc
    if not scan.head.strip():
        raise UnreadableFile(_("The file is empty."))
    source.format = scan.format
    source.encoding = _encoding(scan, source, profile)
    return source


def _encoding(scan: Scan, source: SourceFile, profile: Profile) -> str:
    bom = scan.head.startswith(codecs.BOM_UTF8)
    if profile.encoding == "windows-1256" and not bom:
        return "cp1256"
    encoding = "utf-8-sig" if bom else "utf-8"
    if scan.utf8_ok:
        return encoding
    # Not valid UTF-8 throughout: decided on evidence, never by one bad byte.
    evidence = utf8_evidence(source)
    if evidence.mostly_utf8:
        if source.format != "csv":
            raise UnreadableFile(
                _("The file is UTF-8 text but for %(count)d invalid bytes; fix them and resend.")
                % {"count": evidence.invalid}
            )
        source.bad_bytes = evidence.invalid
        return encoding
    if profile.encoding == "auto":
        if b"\x00" in scan.head:
            raise UnreadableFile(_("The file is binary, not text."))
        return "cp1256"  # the Arabic Windows code page is the other encoding sources use here
    raise UnreadableFile(
        _("The file is not valid %(encoding)s text.") % {"encoding": profile.encoding}
    )


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
        # A file that is UTF-8 but for a few bytes: they reach the cells as lone surrogates,
        # and their rows are rejected (``_csv_chunk``); strict otherwise.
        encoding_errors = "surrogateescape" if source.bad_bytes else "strict"
        stream = binary
        if "\r" in header_line.rstrip("\r\n"):
            binary.seek(0)
            stream = io.TextIOWrapper(
                binary, encoding=source.encoding, newline="", errors=encoding_errors
            )
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
                encoding_errors=encoding_errors,
            )
            first = 1
            for frame in reader:
                chunk = _csv_chunk(frame, header, first, escaped=bool(source.bad_bytes))
                first += len(frame)
                _check_rows(first - 1)
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


def _check_rows(count: int) -> None:
    limit = settings.INGEST_MAX_ROWS
    if count > limit:
        raise UnreadableFile(
            _("The file holds more than %(limit)d records; split it into smaller files.")
            % {"limit": limit}
        )


def _csv_chunk(
    frame: pd.DataFrame, header: list[str], first_row: int, *, escaped: bool = False
) -> Chunk:
    """Rows with a field in a spare column had too many fields. A row with too few reads as
    empty trailing cells (pandas cannot tell those apart), which validation then judges.
    ``escaped``: cells may hold bytes that were not valid UTF-8 (as lone surrogates)."""
    frame = frame.reset_index(drop=True)
    bad_rows = escaped_rows(frame) if escaped else []
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
    for pos in bad_rows:
        errors.setdefault(pos, []).insert(0, invalid_encoding_error())
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
                _check_rows(first - 1)
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
        try:
            raw.append(json.dumps(item, ensure_ascii=False, default=str))
            cells, problem = _flatten(item, profile, geojson)
        except RecursionError:
            raise UnreadableFile(
                _("Record %(row)d is nested too deeply to be read.") % {"row": first_row + pos}
            ) from None
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
