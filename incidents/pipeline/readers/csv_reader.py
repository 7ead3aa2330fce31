"""CSV, read by pandas' C parser. A row with the wrong number of fields is not an error of the
file: it lands in spare columns and is rejected as ``malformed_row`` with everything it held."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import numpy as np
import orjson
import pandas as pd
from django.utils.translation import gettext as _

from incidents.pipeline.readers.chunks import Chunk, RawRecords, UnreadableFile, check_rows
from incidents.pipeline.readers.source import SourceFile
from incidents.pipeline.scan import escaped_rows, invalid_encoding_error
from incidents.profiles import Profile
from incidents.validation import RowError

# A CSV row may carry this many extra fields (unquoted commas in a description, say) and
# still be rejected on its own; beyond that the file is unreadable. Each spare column costs
# parsing time on every row (16: ~0.8 s per million rows).
SPARE_COLUMNS = 16
_SPARE = "__extra_"


def required_columns(profile: Profile) -> list[str]:
    fields = ["category", "occurred_at"] + (["external_id"] if profile.id_required else [])
    fields += ["wkt"] if "wkt" in profile.columns else ["lon", "lat"]
    return [profile.columns[f] for f in fields]


def csv_chunks(source: SourceFile, profile: Profile, chunk_rows: int) -> Iterator[Chunk]:
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
                check_rows(first - 1)
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
