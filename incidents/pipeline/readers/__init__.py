"""Source readers: open a file (or a list of API records), check it can be read at all, and
yield it in chunks of string cells, so memory stays flat whatever the file size.

CSV is read by pandas' C parser. A row with the wrong number of fields is not an error of the
file: it lands in spare columns and is rejected as ``malformed_row`` with everything it held.
JSON arrays and GeoJSON FeatureCollections are streamed with ijson. A file that cannot be read
at all raises ``UnreadableFile`` with one message for people.

The package: ``chunks`` (what the readers yield), ``source`` (opening a file: hash, gzip,
format, encoding), ``csv_reader`` and ``json_reader``. Everything is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator

from incidents.pipeline.readers.chunks import CHUNK_ROWS, Chunk, RawRecords, UnreadableFile
from incidents.pipeline.readers.csv_reader import (
    SPARE_COLUMNS,
    csv_chunks,
    json_records,
    required_columns,
)
from incidents.pipeline.readers.json_reader import GEOMETRY_KEY, json_chunks, records_chunk
from incidents.pipeline.readers.source import SourceFile, inspect_file
from incidents.profiles import Profile

__all__ = [
    "CHUNK_ROWS",
    "GEOMETRY_KEY",
    "SPARE_COLUMNS",
    "Chunk",
    "RawRecords",
    "SourceFile",
    "UnreadableFile",
    "inspect_file",
    "json_records",
    "read_chunks",
    "records_chunk",
    "required_columns",
]


def read_chunks(
    source: SourceFile, profile: Profile, chunk_rows: int | None = None
) -> Iterator[Chunk]:
    """Yield the file in chunks; raises ``UnreadableFile`` if it turns out unreadable."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    if source.format == "csv":
        yield from csv_chunks(source, profile, chunk_rows)
    else:
        yield from json_chunks(source, profile, chunk_rows)
