"""JSON arrays (files, API batches) and GeoJSON FeatureCollections, streamed with ijson."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import islice

import ijson
import pandas as pd
from django.utils.translation import gettext as _

from incidents.pipeline.readers.chunks import Chunk, RawRecords, UnreadableFile, check_rows
from incidents.pipeline.readers.source import SourceFile
from incidents.profiles import Profile
from incidents.validation import RowError, stringify

GEOMETRY_KEY = "__geometry"


def json_chunks(source: SourceFile, profile: Profile, chunk_rows: int) -> Iterator[Chunk]:
    prefix = "features.item" if source.format == "geojson" else "item"
    with source.open_binary() as binary:
        text = io.TextIOWrapper(binary, encoding=source.encoding)
        try:
            items = ijson.items(_Utf8Stream(text), prefix, use_float=True)
            first = 1
            while batch := list(islice(items, chunk_rows)):
                yield records_chunk(batch, profile, first, geojson=source.format == "geojson")
                first += len(batch)
                check_rows(first - 1)
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
