"""What the readers yield: chunks of string cells with each row's record as received, and
the one error a file as a whole can raise."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from incidents.validation import RowError

# Rows per chunk. The reader works on one chunk while up to two more wait as ready COPY text
# and the loader streams another: peak RSS ~255 MB, the same at 1M and 3M rows.
CHUNK_ROWS = 15_000


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


def check_rows(count: int) -> None:
    limit = settings.INGEST_MAX_ROWS
    if count > limit:
        raise UnreadableFile(
            _("The file holds more than %(limit)d records; split it into smaller files.")
            % {"limit": limit}
        )
